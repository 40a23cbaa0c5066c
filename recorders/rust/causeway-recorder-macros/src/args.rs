//! The attribute's options: `skip(a, b)`, `skip_all`, `name = "..."`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

/// Parsed `#[trace(...)]` options.
#[derive(Default)]
pub struct Options {
    pub skip: Vec<Ident>,
    pub skip_all: bool,
    pub name: Option<LitStr>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            match key.to_string().as_str() {
                "skip" => {
                    let content;
                    syn::parenthesized!(content in input);
                    let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(
                        &content,
                        syn::ext::IdentExt::parse_any,
                    )?;
                    options.skip.extend(names);
                }
                "skip_all" => options.skip_all = true,
                "name" => {
                    input.parse::<Token![=]>()?;
                    if options.name.is_some() {
                        return Err(syn::Error::new(key.span(), "`name` given twice"));
                    }
                    options.name = Some(input.parse()?);
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown option `{other}`: expected `skip(...)`, `skip_all` or `name = \"...\"`"
                        ),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_option() {
        let o: Options = syn::parse_str(r#"skip(a, self), name = "n", skip_all"#).unwrap();
        assert_eq!(o.skip.len(), 2);
        assert_eq!(o.skip[1], "self");
        assert!(o.skip_all);
        assert_eq!(o.name.unwrap().value(), "n");
    }

    #[test]
    fn unknown_options_are_errors() {
        let Err(e) = syn::parse_str::<Options>("level = 3") else {
            panic!("accepted an unknown option");
        };
        assert!(e.to_string().contains("unknown option `level`"));
    }
}
