//! Trace and span ids as the span formats write them (hex in any case, hex
//! without leading zeros, base64 from protobuf-minded producers) turned
//! into one spelling: lower-case hex, left-padded to 32 digits for a trace
//! id and 16 for a span id. The same span then has the same v1 id whichever
//! format it was exported in.

use super::json::{self, Object, Problem};

/// Reads an id from its spelling (`trace_id` or `span_id`).
pub(super) type Parser = fn(&str) -> Result<Option<String>, String>;

/// The first of several spellings of an id field, in its one spelling;
/// `None` when absent, empty or all zeros.
pub(super) fn optional<'a>(
    object: &Object<'a>,
    keys: &[&'static str],
    parse: Parser,
) -> Result<Option<String>, Problem<'a>> {
    let Some((key, raw)) = object.get_any(keys) else {
        return Ok(None);
    };
    json::as_str(raw)
        .and_then(|text| parse(&text))
        .map_err(|m| Problem::new(raw.get(), key, m))
}

/// An id field that must be there.
pub(super) fn required<'a>(
    object: &Object<'a>,
    keys: &[&'static str],
    parse: Parser,
) -> Result<String, Problem<'a>> {
    optional(object, keys, parse)?.ok_or_else(|| {
        let at = object
            .get_any(keys)
            .map_or(object.at(), |(_, raw)| raw.get());
        Problem::new(at, "", format!("missing or empty field `{}`", keys[0]))
    })
}

/// A trace id (16 bytes) in its one spelling; `None` for an empty or
/// all-zero id, which means "no id".
pub(super) fn trace_id(text: &str) -> Result<Option<String>, String> {
    normalize(text, 16, "trace id")
}

/// A span id (8 bytes) in its one spelling; `None` for an empty or
/// all-zero id.
pub(super) fn span_id(text: &str) -> Result<Option<String>, String> {
    normalize(text, 8, "span id")
}

fn normalize(text: &str, bytes: usize, what: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let hex = if text.len() <= bytes * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{:0>width$}", text.to_ascii_lowercase(), width = bytes * 2)
    } else if let Some(decoded) = base64(text).filter(|d| d.len() == bytes) {
        decoded.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        let shown: String = text.chars().take(48).collect();
        return Err(format!(
            "{what} `{shown}` is neither hex of at most {} digits nor base64 of {bytes} bytes",
            bytes * 2
        ));
    };
    if hex.bytes().all(|b| b == b'0') {
        return Ok(None);
    }
    Ok(Some(hex))
}

/// Decodes standard or URL-safe base64, padded or not.
fn base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowered_and_padded() {
        assert_eq!(
            trace_id("5B8EFFF798038103D269B633813FC60C")
                .unwrap()
                .unwrap(),
            "5b8efff798038103d269b633813fc60c"
        );
        assert_eq!(
            trace_id("2db17286b3e6b148").unwrap().unwrap(),
            "00000000000000002db17286b3e6b148"
        );
        assert_eq!(
            span_id("ec2b4e0bcea566d").unwrap().unwrap(),
            "0ec2b4e0bcea566d"
        );
    }

    #[test]
    fn base64_ids_become_hex() {
        // 0x5b8efff798038103d269b633813fc60c in base64.
        assert_eq!(
            trace_id("W47/95gDgQPSabYzgT/GDA==").unwrap().unwrap(),
            "5b8efff798038103d269b633813fc60c"
        );
        assert_eq!(
            span_id("7uGbfsPBsXQ=").unwrap().unwrap(),
            "eee19b7ec3c1b174"
        );
    }

    #[test]
    fn empty_and_zero_ids_are_no_id_and_junk_is_an_error() {
        assert_eq!(span_id("").unwrap(), None);
        assert_eq!(span_id("0000000000000000").unwrap(), None);
        assert!(span_id("not an id!").unwrap_err().contains("neither hex"));
        assert!(span_id("00112233445566778899").is_err());
    }
}
