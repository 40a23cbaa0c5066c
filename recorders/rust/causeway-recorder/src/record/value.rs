//! Values as JSON text, without asking users for serde.
//!
//! `#[trace]` encodes each argument and the return value by autoref
//! specialization (method resolution picks the first impl that applies
//! when the receiver has more `&`s than the impls need): through
//! `serde::Serialize` where the type implements it, else through `Debug`,
//! else as `{"$repr": "<type name>"}`. The macro writes
//! `(&&&Wrap(&value)).__cw_encode()` with the three traits in scope.
//!
//! A `Debug` text that is itself JSON (numbers, `true`, most strings and
//! lists of those) is written as that JSON; any other is written as
//! `{"$repr": "<Debug text>", "$type": "<type name>"}`, as the trace format
//! asks of values that are not JSON.

use std::fmt::{Debug, Display};

/// Longest `Debug` text kept, in bytes: a longer one is cut and written as
/// a `$repr` (a value's text is copied into every event that shows it).
pub const MAX_REPR: usize = 4096;

/// The value being encoded (see the module docs).
pub struct Wrap<'a, T: ?Sized>(pub &'a T);

/// First choice: `Serialize`.
pub trait ViaSerialize {
    fn __cw_encode(&self) -> String;
}

impl<T: serde::Serialize + ?Sized> ViaSerialize for &&Wrap<'_, T> {
    fn __cw_encode(&self) -> String {
        serde_json::to_string(self.0).unwrap_or_else(|_| type_only::<T>())
    }
}

/// Second choice: `Debug`.
pub trait ViaDebug {
    fn __cw_encode(&self) -> String;
}

impl<T: Debug + ?Sized> ViaDebug for &Wrap<'_, T> {
    fn __cw_encode(&self) -> String {
        debug_json(self.0)
    }
}

/// Last resort: the type's name.
pub trait ViaTypeName {
    fn __cw_encode(&self) -> String;
}

impl<T: ?Sized> ViaTypeName for Wrap<'_, T> {
    fn __cw_encode(&self) -> String {
        type_only::<T>()
    }
}

/// An error's message: `Display`, else `Debug`, else its type's name.
pub struct ErrWrap<'a, T: ?Sized>(pub &'a T);

pub trait MessageViaDisplay {
    fn __cw_message(&self) -> String;
}

impl<T: Display + ?Sized> MessageViaDisplay for &&ErrWrap<'_, T> {
    fn __cw_message(&self) -> String {
        self.0.to_string()
    }
}

pub trait MessageViaDebug {
    fn __cw_message(&self) -> String;
}

impl<T: Debug + ?Sized> MessageViaDebug for &ErrWrap<'_, T> {
    fn __cw_message(&self) -> String {
        format!("{:?}", self.0)
    }
}

pub trait MessageViaTypeName {
    fn __cw_message(&self) -> String;
}

impl<T: ?Sized> MessageViaTypeName for ErrWrap<'_, T> {
    fn __cw_message(&self) -> String {
        std::any::type_name::<T>().to_owned()
    }
}

/// `{"$repr": "<type name>"}`.
pub fn type_only<T: ?Sized>() -> String {
    let mut out = String::from("{\"$repr\":");
    super::event::push_str(&mut out, std::any::type_name::<T>());
    out.push('}');
    out
}

/// A value through its `Debug` text (see the module docs).
pub fn debug_json<T: Debug + ?Sized>(value: &T) -> String {
    let text = format!("{value:?}");
    if text.len() <= MAX_REPR && looks_like_json(&text) {
        return text;
    }
    let mut shown = text.as_str();
    if shown.len() > MAX_REPR {
        let mut end = MAX_REPR;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown = &shown[..end];
    }
    let mut out = String::from("{\"$repr\":");
    super::event::push_str(&mut out, shown);
    out.push_str(",\"$type\":");
    super::event::push_str(&mut out, std::any::type_name::<T>());
    out.push('}');
    out
}

/// Whether `text` is one JSON value (checked without building it).
fn looks_like_json(text: &str) -> bool {
    let simple_number = !text.is_empty()
        && text.len() < 20
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && !text.starts_with("-0")
        && (text == "0" || !text.starts_with('0'))
        && text.bytes().skip(1).all(|b| b != b'-');
    if simple_number && text != "-" {
        return true;
    }
    match text.as_bytes().first() {
        Some(b'"' | b'[' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
// The ladder needs every `&` the macro writes.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Point {
        #[allow(dead_code)]
        x: i32,
    }
    struct Opaque;
    #[derive(serde::Serialize)]
    struct Order {
        sku: &'static str,
    }

    #[test]
    fn the_ladder_picks_serialize_then_debug_then_the_type() {
        assert_eq!(
            &*(&&&Wrap(&Order { sku: "A1" })).__cw_encode(),
            r#"{"sku":"A1"}"#
        );
        assert_eq!(
            &*(&&&Wrap(&Point { x: 1 })).__cw_encode(),
            r#"{"$repr":"Point { x: 1 }","$type":"causeway_recorder::record::value::tests::Point"}"#
        );
        assert_eq!(
            &*(&&&Wrap(&Opaque)).__cw_encode(),
            r#"{"$repr":"causeway_recorder::record::value::tests::Opaque"}"#
        );
        assert_eq!(&*(&&&Wrap(&42i64)).__cw_encode(), "42");
        assert_eq!(&*(&&&Wrap("a\"b")).__cw_encode(), r#""a\"b""#);
    }

    #[test]
    fn debug_text_that_is_json_stays_json() {
        assert_eq!(&*debug_json(&-5i32), "-5");
        assert_eq!(&*debug_json(&vec![1, 2]), "[1, 2]");
        assert_eq!(&*debug_json(&1.5f64), "1.5");
        assert_eq!(&*debug_json(&true), "true");
        assert!(debug_json(&f64::NAN).starts_with("{\"$repr\":\"NaN\""));
        assert!(debug_json(&'c').starts_with("{\"$repr\":\"'c'\""));
        assert!(debug_json(&"\u{1}").starts_with("{\"$repr\""));
        let long = debug_json(&vec![7u8; 5000]);
        assert!(
            long.starts_with("{\"$repr\":\"[7, 7"),
            "a long value is cut"
        );
        assert!(long.len() < MAX_REPR + 100);
    }

    #[test]
    fn messages_prefer_display() {
        let e = std::io::Error::other("disk full");
        assert_eq!((&&&ErrWrap(&e)).__cw_message(), "disk full");
        assert_eq!(
            (&&&ErrWrap(&Point { x: 2 })).__cw_message(),
            "Point { x: 2 }"
        );
        assert!((&&&ErrWrap(&Opaque)).__cw_message().ends_with("Opaque"));
    }
}
