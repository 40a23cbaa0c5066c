//! The `#[trace]` attribute of `causeway-recorder`; use it through that
//! crate (`causeway_recorder::trace`), which documents it.
//!
//! The expansion follows what `tracing`'s `#[instrument]` does for sync and
//! async functions: the body moves into a closure (sync) or an `async move`
//! block (async) so that `return` and `?` keep their meaning and the
//! return value can be seen; around it, `causeway_recorder::__private`
//! records the entry, the exit and a panic. Without the `record` feature
//! the function is returned unchanged.

use proc_macro::TokenStream;

mod args;
mod expand;

/// See `causeway_recorder::trace`.
#[proc_macro_attribute]
pub fn trace(attr: TokenStream, item: TokenStream) -> TokenStream {
    let line_of = |span: proc_macro2::Span| Some(span.unwrap().line());
    expand::trace(attr.into(), item.into(), cfg!(feature = "record"), &line_of)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
