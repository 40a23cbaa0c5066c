//! `n-plus-one-query`: the same statement shape issued again and again under
//! one call, the classic loop that should have been one query (a join, an
//! `IN` list, a batch).

use super::short;
use crate::analysis::anomaly::{Context, Detection, Detector, capped, effect_score};
use crate::analysis::codes::Code;
use crate::model::{EventIdx, EventKind};
use std::collections::BTreeMap;

/// Fewer repeats than this under one call are not reported.
pub(super) const MIN_REPEATS: usize = 5;

pub(super) struct NPlusOneQuery;

impl Detector for NPlusOneQuery {
    fn code(&self) -> Code {
        Code::NPlusOneQuery
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // (owner call or, outside calls, the line of execution; shape) ->
        // the queries, in file order. A BTreeMap keeps the output ordered.
        let mut groups: BTreeMap<(u64, String), Vec<EventIdx>> = BTreeMap::new();
        for idx in rec.indices() {
            if rec.event(idx).kind != EventKind::DbQuery {
                continue;
            }
            let Some(statement) = cx.io(idx).and_then(|d| d.statement.as_deref()) else {
                continue;
            };
            let scope = match cx.calls.owner(idx) {
                Some(call) => u64::from(call.0),
                None => (1 << 32) | u64::from(rec.event(idx).exec.0),
            };
            groups
                .entry((scope, statement_shape(statement)))
                .or_default()
                .push(idx);
        }
        groups
            .into_iter()
            .filter(|(_, queries)| queries.len() >= MIN_REPEATS)
            .map(|((_, shape), queries)| {
                let first = queries[0];
                let caller = cx.calls.owner(first).map(|c| cx.calls.get(c).entry);
                let place = match caller {
                    Some(entry) => format!("under one call of `{}`", cx.function_name(entry)),
                    None => "on one thread".to_string(),
                };
                let mut affected = Vec::with_capacity(queries.len() + 1);
                affected.extend(caller);
                affected.extend(&queries);
                Detection {
                    event: caller.unwrap_or(first),
                    anomaly_type: "n-plus-one-query".to_string(),
                    score: effect_score(queries.len() as f64 / MIN_REPEATS as f64),
                    confidence: 1.0,
                    description: format!(
                        "{} queries of the same shape {place}: `{}`",
                        queries.len(),
                        short(&shape)
                    ),
                    affected: capped(affected),
                }
            })
            .collect()
    }
}

/// A statement with its literals replaced: numbers and quoted strings
/// become `?`, a list of them one `?`, whitespace one space, keywords lower
/// case. Two statements with the same shape differ only in their values.
pub fn statement_shape(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A quoted literal; a doubled quote escapes itself.
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push('?');
            }
            c if c.is_ascii_digit()
                && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') =>
            {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.')
                {
                    chars.next();
                }
                out.push('?');
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
            }
            // Positional and named parameters are already placeholders.
            '$' | ':' if chars.peek().is_some_and(|d| d.is_ascii_alphanumeric()) => {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
                out.push('?');
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    // `(?, ?, ?)` and `(?,?)` are one list.
    let mut shape = out.trim_end().to_string();
    loop {
        let collapsed = shape.replace("?, ?", "?").replace("?,?", "?");
        if collapsed == shape {
            return shape;
        }
        shape = collapsed;
    }
}

#[cfg(test)]
mod tests {
    use super::statement_shape;

    #[test]
    fn statements_that_differ_in_values_share_a_shape() {
        let a = statement_shape("SELECT * FROM orders WHERE user_id = 42 AND state = 'open'");
        let b = statement_shape("select *  from orders where user_id = 7 and state = 'it''s'");
        assert_eq!(a, b);
        assert_eq!(a, "select * from orders where user_id = ? and state = ?");
        assert_eq!(
            statement_shape("SELECT name FROM users WHERE id IN (1, 2, 3)"),
            statement_shape("SELECT name FROM users WHERE id IN (9)")
        );
        assert_eq!(
            statement_shape("SELECT * FROM t WHERE id = $1"),
            statement_shape("SELECT * FROM t WHERE id = :id")
        );
        assert_ne!(
            statement_shape("SELECT * FROM orders WHERE id = 1"),
            statement_shape("SELECT * FROM users WHERE id = 1")
        );
        // Digits inside names stay.
        assert_eq!(statement_shape("SELECT * FROM t2"), "select * from t2");
    }
}
