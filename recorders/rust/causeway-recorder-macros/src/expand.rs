//! The expansion of `#[trace]`.

use crate::args::Options;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type, spanned::Spanned};

/// Expands `#[trace(attr)] item`; `record` is whether the runtime records
/// (its `record` feature): without it the item comes back unchanged, after
/// the same checks, so that a build with and without recording accepts the
/// same code.
///
/// `line_of` gives a span's line where the compiler tells it (the function's
/// line, rather than the attribute's, which `line!()` would give).
pub fn trace(
    attr: TokenStream,
    item: TokenStream,
    record: bool,
    line_of: &dyn Fn(Span) -> Option<usize>,
) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(attr)?;
    let func: ItemFn = syn::parse2(item.clone())?;
    check(&func, &options)?;
    if !record {
        return Ok(item);
    }
    Ok(expand(func, &options, line_of))
}

fn check(func: &ItemFn, options: &Options) -> syn::Result<()> {
    if let Some(c) = &func.sig.constness {
        return Err(syn::Error::new(
            c.span(),
            "#[trace] cannot record a `const fn`",
        ));
    }
    let names: Vec<String> = func
        .sig
        .inputs
        .iter()
        .filter_map(param_name)
        .map(|i| i.to_string())
        .collect();
    for skipped in &options.skip {
        if !names.iter().any(|n| skipped == n) {
            return Err(syn::Error::new(
                skipped.span(),
                format!("`skip({skipped})`: the function has no argument named `{skipped}`"),
            ));
        }
    }
    Ok(())
}

/// The name of a parameter bound to a plain identifier (or `self`).
fn param_name(arg: &FnArg) -> Option<Ident> {
    match arg {
        FnArg::Receiver(r) => Some(Ident::new("self", r.self_token.span)),
        FnArg::Typed(t) => match &*t.pat {
            Pat::Ident(p) => Some(p.ident.clone()),
            _ => None,
        },
    }
}

/// Whether `tokens` mention `Self` (a method of an impl or trait).
fn mentions_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "Self",
        TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}

/// Whether a type is written with `impl Trait` somewhere (no annotation
/// can name it).
fn has_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => has_impl(g.stream()),
        _ => false,
    })
}

/// Whether the return type is a `Result` (by its last path segment, as
/// `io::Result`, `anyhow::Result` and `Result<T, E>` are).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Result"),
        Type::Paren(p) => is_result(&p.elem),
        Type::Group(g) => is_result(&g.elem),
        _ => false,
    }
}

fn expand(func: ItemFn, options: &Options, line_of: &dyn Fn(Span) -> Option<usize>) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let span = sig.ident.span();
    let name = options
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| sig.ident.to_string());
    let pr = quote!(::causeway_recorder::__private);
    let file = quote_spanned!(span=> ::core::file!());
    let line = match line_of(span).and_then(|l| u32::try_from(l).ok()) {
        Some(l) => quote!(#l),
        None => quote_spanned!(span=> ::core::line!()),
    };

    let recorded: Vec<Ident> = if options.skip_all {
        Vec::new()
    } else {
        sig.inputs
            .iter()
            .filter_map(param_name)
            .filter(|n| !options.skip.iter().any(|s| s == n))
            .collect()
    };
    let self_type = if sig.receiver().is_some() || mentions_self(sig.to_token_stream()) {
        quote!(::core::option::Option::Some(
            ::core::any::type_name::<Self>()
        ))
    } else {
        quote!(::core::option::Option::None)
    };

    let ret_ty: Option<&Type> = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(ty),
    };
    let annotation = match ret_ty {
        None => quote!(: ()),
        Some(ty) if !has_impl(ty.to_token_stream()) => quote!(: #ty),
        Some(_) => quote!(),
    };
    let exit = if ret_ty.is_some_and(is_result) {
        quote! {
            match &__cw_ret {
                ::core::result::Result::Ok(__cw_v) => __cw_call.ret(|| (&&&#pr::Wrap(__cw_v)).__cw_encode()),
                ::core::result::Result::Err(__cw_e) => __cw_call.err(
                    ::core::any::type_name_of_val(__cw_e),
                    || (&&&#pr::ErrWrap(__cw_e)).__cw_message(),
                ),
            }
        }
    } else {
        quote!(__cw_call.ret(|| (&&&#pr::Wrap(&__cw_ret)).__cw_encode());)
    };

    let prelude = quote! {
        static __CW_SITE: #pr::Site = #pr::Site {
            name: #name,
            module: ::core::module_path!(),
            file: #file,
            line: #line,
        };
        #[allow(unused_imports)]
        use #pr::{
            MessageViaDebug as _, MessageViaDisplay as _, MessageViaTypeName as _, ViaDebug as _,
            ViaSerialize as _, ViaTypeName as _,
        };
    };
    let args = quote!(|| #pr::args(&[#((&&&#pr::Wrap(&#recorded)).__cw_encode()),*]));

    let body = if sig.asyncness.is_some() {
        quote! {
            #prelude
            let __cw_call = #pr::Call::enter_async(&__CW_SITE, #self_type, #args);
            let (__cw_call, __cw_ret) = #pr::InCall::new(__cw_call, async move #block).await;
            let __cw_ret #annotation = __cw_ret;
            #exit
            __cw_ret
        }
    } else {
        quote! {
            #prelude
            let __cw_call = #pr::Call::enter(&__CW_SITE, #self_type, #args);
            let __cw_ret #annotation = match ::std::panic::catch_unwind(
                ::std::panic::AssertUnwindSafe(move || #block),
            ) {
                ::core::result::Result::Ok(__cw_v) => __cw_v,
                ::core::result::Result::Err(__cw_panic) => {
                    let mut __cw_call = __cw_call;
                    __cw_call.panicked(&*__cw_panic);
                    ::std::panic::resume_unwind(__cw_panic)
                }
            };
            #exit
            __cw_ret
        }
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(attr: &str, item: &str, record: bool) -> syn::Result<String> {
        trace(
            attr.parse().unwrap(),
            item.parse().unwrap(),
            record,
            &|_| None,
        )
        .map(|t| t.to_string())
    }

    #[test]
    fn without_record_the_function_is_unchanged() {
        let item = "pub fn add(a: i32, b: i32) -> i32 { a + b }";
        let expected: TokenStream = item.parse().unwrap();
        assert_eq!(
            expand_str("skip(b)", item, false).unwrap(),
            expected.to_string()
        );
    }

    #[test]
    fn with_record_entry_and_exit_are_recorded() {
        let out = expand_str("", "fn add(a: i32, b: i32) -> i32 { a + b }", true).unwrap();
        assert!(out.contains("Call :: enter"), "{out}");
        assert!(out.contains("catch_unwind"), "{out}");
        assert!(
            out.contains("Wrap (& a)") && out.contains("Wrap (& b)"),
            "{out}"
        );
    }

    #[test]
    fn skipped_arguments_are_not_encoded() {
        let out = expand_str(
            "skip(password)",
            "fn login(user: &str, password: &str) {}",
            true,
        )
        .unwrap();
        assert!(out.contains("Wrap (& user)"));
        assert!(!out.contains("Wrap (& password)"));
        let all = expand_str("skip_all", "fn login(user: &str) {}", true).unwrap();
        assert!(!all.contains("Wrap (& user)"));
    }

    #[test]
    fn results_record_their_errors() {
        let out = expand_str("", "fn f() -> std::io::Result<u8> { Ok(1) }", true).unwrap();
        assert!(out.contains("__cw_call . err"), "{out}");
        let plain = expand_str("", "fn f() -> u8 { 1 }", true).unwrap();
        assert!(!plain.contains("__cw_call . err"));
    }

    #[test]
    fn async_functions_poll_in_their_call() {
        let out = expand_str(r#"name = "fetch""#, "async fn get(&self) -> u8 { 1 }", true).unwrap();
        assert!(
            out.contains("enter_async") && out.contains("InCall"),
            "{out}"
        );
        assert!(out.contains("\"fetch\""));
        assert!(out.contains("type_name :: < Self >"));
    }

    #[test]
    fn mistakes_are_reported() {
        let e = expand_str("skip(nope)", "fn f(a: u8) {}", false).unwrap_err();
        assert!(e.to_string().contains("no argument named `nope`"));
        let e = expand_str("", "const fn f() {}", true).unwrap_err();
        assert!(e.to_string().contains("const fn"));
    }
}
