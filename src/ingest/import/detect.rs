//! Telling the input formats apart by their content (never by file name),
//! from the first bytes of a file.
//!
//! JSON formats are told by the keys they use: a shallow scan collects the
//! object keys of the first 64 KiB with their nesting depth, without parsing
//! (the head of a large document is not valid JSON on its own). Text formats
//! are told by their line shapes. Anything not recognized is read as a
//! Causeway trace, whose reader then reports each bad line.

use super::InputFormat;

/// How much of a file detection looks at.
pub const HEAD_BYTES: usize = 64 << 10;

/// The format of a file, from its first bytes (decompressed). `shiviz` says
/// whether the user gave a ShiViz parser expression, which makes a text log
/// that is no other format a ShiViz log.
pub fn detect(head: &[u8], shiviz: bool) -> InputFormat {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let head = &head[..head.len().min(HEAD_BYTES)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return InputFormat::Causeway;
    };
    if matches!(head[start], b'{' | b'[')
        && let Some(format) = json_format(head)
    {
        return format;
    }
    if is_std(head) {
        return InputFormat::Std;
    }
    // A log whose lines are JSON objects is not a ShiViz log, whatever the
    // options say: the Causeway reader reports what is wrong with it.
    if head[start] != b'{' && (shiviz || is_govector(head)) {
        return InputFormat::Shiviz;
    }
    InputFormat::Causeway
}

/// Decides among the JSON formats by their keys.
fn json_format(head: &[u8]) -> Option<InputFormat> {
    let keys = keys_with_depth(head);
    let has = |name: &str| keys.iter().any(|(k, _)| k == name);
    let at_top = |name: &str| keys.iter().any(|(k, d)| k == name && *d == 1);
    // A Causeway line: `trace_id` and `kind` among the first object's keys.
    if at_top("trace_id") && (at_top("kind") || at_top("timestamp")) {
        return Some(InputFormat::Causeway);
    }
    if [
        "resourceSpans",
        "resource_spans",
        "scopeSpans",
        "instrumentationLibrarySpans",
    ]
    .iter()
    .any(|k| has(k))
    {
        return Some(InputFormat::Otlp);
    }
    if has("traceEvents") || (has("ph") && keys.iter().any(|(k, d)| k == "ph" && *d <= 2)) {
        return Some(InputFormat::Chrome);
    }
    if has("traceID") || has("spanID") || has("operationName") {
        return Some(InputFormat::Jaeger);
    }
    if has("traceId") && (has("localEndpoint") || has("remoteEndpoint") || !has("spanId")) {
        return Some(InputFormat::Zipkin);
    }
    None
}

/// Object keys (strings followed by `:`) with the depth of the object they
/// belong to (1 = the outermost value's own keys, counting an enclosing
/// array as a level).
fn keys_with_depth(head: &[u8]) -> Vec<(String, u32)> {
    let mut keys = Vec::new();
    let mut depth = 0u32;
    let mut i = 0;
    while i < head.len() && keys.len() < 4096 {
        match head[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < head.len() && head[j] != b'"' {
                    j += if head[j] == b'\\' { 2 } else { 1 };
                }
                if j >= head.len() {
                    break;
                }
                let mut k = j + 1;
                while k < head.len() && head[k].is_ascii_whitespace() {
                    k += 1;
                }
                if head.get(k) == Some(&b':') {
                    let key = String::from_utf8_lossy(&head[start..j]).into_owned();
                    keys.push((key, depth));
                }
                i = j;
            }
            b'\n' if depth == 0 => {}
            _ => {}
        }
        i += 1;
    }
    keys
}

/// The complete non-blank lines of the head (the last may be cut off).
fn head_lines(head: &[u8]) -> impl Iterator<Item = &str> {
    let complete = match memchr::memrchr(b'\n', head) {
        Some(end) if head.len() >= HEAD_BYTES => &head[..end],
        _ => head,
    };
    complete
        .split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(50)
}

/// `T0|w(V)|12` lines: most of the first lines have that shape.
fn is_std(head: &[u8]) -> bool {
    let (mut total, mut matching) = (0, 0);
    for line in head_lines(head) {
        total += 1;
        let fields: Vec<&str> = line.split('|').collect();
        let shaped = (2..=3).contains(&fields.len())
            && !fields[0].trim().is_empty()
            && fields[1].trim().split_once('(').is_some_and(|(op, rest)| {
                matches!(
                    op.trim(),
                    "r" | "w"
                        | "acq"
                        | "rel"
                        | "fork"
                        | "join"
                        | "begin"
                        | "end"
                        | "enter"
                        | "exit"
                ) && rest.ends_with(')')
            });
        matching += usize::from(shaped);
    }
    total > 0 && matching * 2 > total
}

/// GoVector's `host {"host":1}` clock lines among the first lines.
fn is_govector(head: &[u8]) -> bool {
    head_lines(head).any(|line| {
        line.split_once(' ').is_some_and(|(host, clock)| {
            !host.is_empty()
                && clock.trim().starts_with('{')
                && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(clock.trim())
                    .is_ok_and(|m| !m.is_empty() && m.values().all(serde_json::Value::is_u64))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> InputFormat {
        detect(text.as_bytes(), false)
    }

    #[test]
    fn each_format_is_told_by_its_content() {
        assert_eq!(
            of(r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#),
            InputFormat::Causeway
        );
        assert_eq!(of(r#"{"resourceSpans":[]}"#), InputFormat::Otlp);
        assert_eq!(of(r#"{"result":{"resourceSpans":[]}}"#), InputFormat::Otlp);
        assert_eq!(
            of(r#"{"batches":[{"resource":{},"scopeSpans":[]}]}"#),
            InputFormat::Otlp
        );
        assert_eq!(
            of(r#"{"data":[{"traceID":"a","spans":[]}]}"#),
            InputFormat::Jaeger
        );
        assert_eq!(
            of(r#"[{"traceId":"a","id":"b","name":"x"}]"#),
            InputFormat::Zipkin
        );
        assert_eq!(
            of(r#"[{"ph":"B","ts":1,"pid":1,"tid":1}"#),
            InputFormat::Chrome
        );
        assert_eq!(of(r#"{"traceEvents":[]}"#), InputFormat::Chrome);
        assert_eq!(of("T0|w(Vx)|1\nT1|r(Vx)|2\n"), InputFormat::Std);
        assert_eq!(of("hello\nhost {\"host\":1}\n"), InputFormat::Shiviz);
        assert_eq!(detect(b"any text", true), InputFormat::Shiviz);
    }

    #[test]
    fn what_is_not_recognized_is_read_as_causeway() {
        assert_eq!(of("garbage"), InputFormat::Causeway);
        assert_eq!(of("[1,2,3]"), InputFormat::Causeway);
        assert_eq!(of(""), InputFormat::Causeway);
    }

    #[test]
    fn a_causeway_line_mentioning_other_keys_in_its_metadata_is_causeway() {
        let line = r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom","metadata":{"data":{"ph":"B","traceID":"x"}}}"#;
        assert_eq!(of(line), InputFormat::Causeway);
    }
}
