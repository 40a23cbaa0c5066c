//! The one reader of an event's fields after ingest: the `metadata` object
//! of chosen events, read again from their input lines. The recording keeps
//! only what the analysis needs of each event; what a report, a detector or
//! a generated test wants besides (values, statements, messages, return
//! values) comes from here, so that the v1 wire format is parsed in ingest
//! alone.

use crate::model::{EventIdx, Recording};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The `metadata` of each of `events`, read as `T`: a typed view with the
/// keys wanted, or `serde_json::Value` for all of it. An event without
/// metadata gets `T::default()`; one whose metadata does not fit `T`, or
/// whose line cannot be read again, is left out.
pub fn read_metadata<T: DeserializeOwned + Default>(
    rec: &Recording,
    events: &[EventIdx],
) -> HashMap<EventIdx, T> {
    /// Only `metadata` is parsed into a value; the rest of the line is
    /// skipped.
    #[derive(Deserialize)]
    struct Line<T> {
        #[serde(default = "Option::default")]
        metadata: Option<T>,
    }
    rec.raw_lines(events)
        .into_iter()
        .filter_map(|(idx, line)| {
            let line: Line<T> = serde_json::from_slice(&line).ok()?;
            Some((idx, line.metadata.unwrap_or_default()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::read_metadata;
    use crate::model::EventIdx;
    use serde_json::{Value, json};
    use std::collections::HashMap;

    #[test]
    fn metadata_is_read_back_whole_typed_or_defaulted() {
        let text = concat!(
            r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"db_query","metadata":{"statement":"SELECT 1","rows":[1,2]}}"#,
            "\n",
            r#"{"id":"b","trace_id":"t","timestamp":"2026-11-26T10:00:01Z","kind":"custom"}"#,
            "\n",
            r#"{"id":"c","trace_id":"t","timestamp":"2026-11-26T10:00:02Z","kind":"custom","metadata":{"statement":7}}"#,
            "\n",
        );
        let rec =
            crate::ingest::load_bytes(vec![("m.jsonl".into(), text.as_bytes().to_vec())]).unwrap();
        let all = [EventIdx(0), EventIdx(1), EventIdx(2)];
        let whole: HashMap<EventIdx, Value> = read_metadata(&rec, &all);
        assert_eq!(
            whole[&EventIdx(0)],
            json!({"statement": "SELECT 1", "rows": [1, 2]})
        );
        assert_eq!(whole[&EventIdx(1)], Value::Null);

        #[derive(Debug, Default, serde::Deserialize, PartialEq)]
        struct Statement {
            statement: Option<String>,
        }
        let typed: HashMap<EventIdx, Statement> = read_metadata(&rec, &all);
        assert_eq!(typed[&EventIdx(0)].statement.as_deref(), Some("SELECT 1"));
        assert_eq!(typed[&EventIdx(1)], Statement::default());
        assert!(
            !typed.contains_key(&EventIdx(2)),
            "a statement of the wrong type"
        );
    }
}
