//! From a recording to test cases: each recorded call of an importable
//! function with JSON arguments and a recorded outcome becomes a [`Case`];
//! each call that cannot be replayed becomes a [`Skipped`] with the reason.
//!
//! A call's *boundaries* are its direct child calls that did I/O (an
//! `http_request` or `db_query` somewhere below them) or that the user marks
//! with `--boundary GLOB`: the generated test replaces them with their
//! recorded outcomes and checks the arguments they were called with.

use super::names::is_identifier;
use crate::graph::calls::Calls;
use crate::model::{EventIdx, EventKind, Recording};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// What a recorded call ended with.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Returns { value: Value },
    Raises { r#type: String, message: String },
}

/// A callable the test imports: module plus attribute path inside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Target {
    pub module: String,
    /// `Class.method` split at the dots.
    pub path: Vec<String>,
}

/// One recorded call of a boundary, replayed by a mock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MockedCall {
    pub event_id: String,
    /// Whether the arguments were recorded as JSON and can be checked.
    pub args_checked: bool,
    pub args: Vec<Value>,
    pub kwargs: Map<String, Value>,
    pub outcome: Outcome,
}

/// A boundary and its recorded calls, in call order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mock {
    pub target: Target,
    pub calls: Vec<MockedCall>,
}

/// One call to replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    /// A unique identifier within its file, set when files are laid out.
    pub name: String,
    pub trace: String,
    pub entry_id: String,
    pub exit_id: String,
    pub target: Target,
    pub function: String,
    pub args: Vec<Value>,
    pub kwargs: Map<String, Value>,
    pub outcome: Outcome,
    pub mocks: Vec<Mock>,
    /// Module globals the call read and wrote.
    pub state: Vec<StateVar>,
    /// For a method call on an object the recorder labelled: the object,
    /// rebuilt from its recorded attributes.
    pub receiver: Option<Receiver>,
    /// Whether the call or a call beneath it read or wrote recorded state
    /// or did I/O (HTTP, a database query, a message): the test checks
    /// more than a pure function of the arguments.
    #[serde(skip)]
    pub checks_state_or_io: bool,
    #[serde(skip)]
    pub entry: EventIdx,
}

/// A module global (`module.name` in the trace) a call touched: set to the
/// value its first access read before the call, checked against the value
/// its last write left after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateVar {
    pub module: String,
    pub name: String,
    pub before: Option<Recorded>,
    pub after: Option<Recorded>,
}

/// The object a method was called on: an instance of the class the method
/// belongs to, made without `__init__`, with the attributes the trace
/// recorded before the call; `after` holds the attributes the call wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Receiver {
    pub label: String,
    pub attributes: Map<String, Value>,
    pub after: Map<String, Value>,
}

/// `(label, attribute)` of a variable naming an object's attribute
/// (`Account#3.balance`).
pub fn object_attribute(variable: &str) -> Option<(&str, &str)> {
    let (label, attr) = variable.split_once('.')?;
    let (class, number) = label.split_once('#')?;
    (is_identifier(class)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && is_identifier(attr))
    .then_some((label, attr))
}

/// A recorded value, wrapped so that a recorded `null` differs from none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recorded {
    pub value: Value,
}

/// A call that gets no test, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub event_id: String,
    pub function: String,
    pub reason: String,
}

/// The calls of a recording, paired and linked.
pub struct CallIndex {
    /// function_entry -> its function_exit.
    pub exit_of: HashMap<EventIdx, EventIdx>,
    /// function_entry -> its direct child events, file order.
    pub children: HashMap<EventIdx, Vec<EventIdx>>,
    /// Function entries with an `http_request` or `db_query` below them.
    pub did_io: HashSet<EventIdx>,
    /// Per object label (`Account#3`, as the Python recorder names objects):
    /// its attribute accesses, file order.
    pub object_accesses: HashMap<String, Vec<EventIdx>>,
}

impl CallIndex {
    pub fn build(rec: &Recording) -> CallIndex {
        // Entries and exits pair as everywhere else (graph::calls).
        let exit_of: HashMap<EventIdx, EventIdx> = Calls::build(rec)
            .calls
            .iter()
            .filter_map(|call| Some((call.entry, call.exit?)))
            .collect();
        let mut children: HashMap<EventIdx, Vec<EventIdx>> = HashMap::new();
        let mut did_io = HashSet::new();
        let mut object_accesses: HashMap<String, Vec<EventIdx>> = HashMap::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            if let Some(parent) = event.parent {
                children.entry(parent).or_default().push(idx);
            }
            match event.kind {
                EventKind::StateRead | EventKind::StateWrite => {
                    if let Some((label, _)) =
                        event.subject.and_then(|v| object_attribute(rec.str(v)))
                    {
                        object_accesses
                            .entry(label.to_string())
                            .or_default()
                            .push(idx);
                    }
                }
                EventKind::HttpRequest | EventKind::DbQuery => {
                    let mut current = event.parent;
                    let mut steps = 0;
                    while let Some(p) = current {
                        steps += 1;
                        if steps > rec.events.len() {
                            break;
                        }
                        let pe = rec.event(p);
                        if pe.kind == EventKind::FunctionEntry && !did_io.insert(p) {
                            break;
                        }
                        current = pe.parent;
                    }
                }
                _ => {}
            }
        }
        CallIndex {
            exit_of,
            children,
            did_io,
            object_accesses,
        }
    }
}

/// The `metadata` object of some events, read again from the input.
pub fn metadata_of(rec: &Recording, events: &[EventIdx]) -> HashMap<EventIdx, Map<String, Value>> {
    crate::ingest::metadata::read_metadata::<Value>(rec, events)
        .into_iter()
        .map(|(idx, metadata)| match metadata {
            Value::Object(m) => (idx, m),
            _ => (idx, Map::new()),
        })
        .collect()
}

/// Why a value cannot be written back as code, if it cannot.
pub fn not_json(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$redacted") {
                return Some(format!(
                    "redacted ({})",
                    r.as_str().unwrap_or("no reason given")
                ));
            }
            if map.contains_key("$repr") {
                let ty = map.get("$type").and_then(Value::as_str).unwrap_or("?");
                return Some(format!("not recorded as JSON ($repr of {ty})"));
            }
            map.values().find_map(not_json)
        }
        Value::Array(items) => items.iter().find_map(not_json),
        Value::String(s) if s.ends_with('…') && s.chars().count() > 200 => {
            Some("a string truncated by the recorder".to_string())
        }
        _ => None,
    }
}

/// The importable target of a call, or why there is none.
pub fn target_of(meta: &Map<String, Value>) -> Result<(Target, String), String> {
    let function = meta
        .get("function")
        .and_then(Value::as_str)
        .ok_or("no metadata.function")?;
    let module = meta
        .get("module")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or("no metadata.module to import")?;
    if module == "__main__" {
        return Err("module `__main__` is a script, not importable".into());
    }
    let last = module.rsplit(['.', '/']).next().unwrap_or(module);
    if last.starts_with("test_") || last.ends_with("_test") || last == "conftest" {
        return Err(format!(
            "`{}` is a test module: the test itself replays it",
            crate::report::printable(module)
        ));
    }
    let inner = function
        .strip_prefix(module)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(function);
    let path: Vec<String> = inner.split('.').map(str::to_string).collect();
    if path.iter().any(|p| !is_identifier(p)) {
        return Err(format!(
            "`{}` is not reachable from its module (nested function or lambda)",
            crate::report::printable(function)
        ));
    }
    Ok((
        Target {
            module: module.to_string(),
            path,
        },
        function.to_string(),
    ))
}

/// The arguments of an entry: `args` (default none) and `kwargs`.
fn arguments(meta: &Map<String, Value>) -> Result<(Vec<Value>, Map<String, Value>), String> {
    let args = match meta.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err("metadata.args is not an array".into()),
    };
    let kwargs = match meta.get("kwargs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(k)) => k.clone(),
        Some(_) => return Err("metadata.kwargs is not an object".into()),
    };
    for (i, a) in args.iter().enumerate() {
        if let Some(why) = not_json(a) {
            return Err(format!("argument {} is {why}", i + 1));
        }
    }
    for (k, v) in &kwargs {
        if let Some(why) = not_json(v) {
            return Err(format!(
                "keyword argument `{}` is {why}",
                crate::report::printable(k)
            ));
        }
    }
    Ok((args, kwargs))
}

/// The outcome recorded on an exit.
fn outcome(meta: &Map<String, Value>) -> Result<Outcome, String> {
    if let Some(exc) = meta.get("exception") {
        let ty = exc.get("type").and_then(Value::as_str).unwrap_or("");
        if !is_identifier(ty) {
            return Err("the exception type is not a plain class name".into());
        }
        let message = exc
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if message.ends_with('…') {
            return Err("the exception message was truncated by the recorder".into());
        }
        return Ok(Outcome::Raises {
            r#type: ty.to_string(),
            message,
        });
    }
    let value = meta.get("return_value").cloned().unwrap_or(Value::Null);
    if let Some(why) = not_json(&value) {
        return Err(format!("the return value is {why}"));
    }
    Ok(Outcome::Returns { value })
}

/// Options that decide which calls become cases.
pub struct Selection<'a> {
    pub function: Option<&'a str>,
    pub boundaries: &'a [String],
    pub only_failing: bool,
    /// Whether the language has keyword arguments (Python does, JavaScript
    /// does not).
    pub keyword_arguments: bool,
}

/// The cases of the chosen traces, in file order, and the skipped calls.
pub fn collect(
    rec: &Recording,
    traces: &HashSet<crate::model::Sym>,
    select: &Selection,
) -> (Vec<Case>, Vec<Skipped>) {
    let index = CallIndex::build(rec);
    let entries: Vec<EventIdx> = rec
        .indices()
        .filter(|&i| {
            let e = rec.event(i);
            e.kind == EventKind::FunctionEntry && traces.contains(&e.trace)
        })
        .collect();
    let mut wanted: Vec<EventIdx> = entries.clone();
    for e in &entries {
        wanted.extend(index.exit_of.get(e));
        for &c in index.children.get(e).into_iter().flatten() {
            if rec.event(c).kind == EventKind::FunctionEntry {
                wanted.push(c);
                wanted.extend(index.exit_of.get(&c));
            }
        }
    }
    // Every access of these traces too: calls read their state from them.
    // One read of the input for all cases.
    wanted.extend(rec.indices().filter(|&i| {
        let e = rec.event(i);
        e.access_class().is_some() && traces.contains(&e.trace)
    }));
    let meta = metadata_of(rec, &wanted);
    let modules: HashSet<String> = meta
        .values()
        .filter_map(|m| m.get("module").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let empty = Map::new();
    let meta_of = |i: &EventIdx| meta.get(i).unwrap_or(&empty);

    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    for &entry in &entries {
        let m = meta_of(&entry);
        let recorded_name = m
            .get("function")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        if let Some(glob) = select.function
            && !glob_match(glob, recorded_name)
        {
            continue;
        }
        if select
            .boundaries
            .iter()
            .any(|b| glob_match(b, recorded_name))
        {
            continue;
        }
        let exit = index.exit_of.get(&entry).copied();
        let failing = exit.is_some_and(|x| rec.event(x).flags.exception);
        if select.only_failing && !failing {
            continue;
        }
        let skip = |reason: String| Skipped {
            event_id: rec.id_str(entry).to_string(),
            function: recorded_name.to_string(),
            reason,
        };
        match case_of(rec, &index, entry, exit, &meta_of, select, &modules) {
            Ok(case) => cases.push(case),
            Err(reason) => skipped.push(skip(reason)),
        }
    }
    (cases, skipped)
}

fn case_of<'m>(
    rec: &Recording,
    index: &CallIndex,
    entry: EventIdx,
    exit: Option<EventIdx>,
    meta_of: &dyn Fn(&EventIdx) -> &'m Map<String, Value>,
    select: &Selection,
    modules: &HashSet<String>,
) -> Result<Case, String> {
    let m = meta_of(&entry);
    let (target, function) = target_of(m)?;
    let label = receiver_label(m, &target);
    let (args, kwargs) = match &label {
        Some(_) => {
            let mut without_self = m.clone();
            if let Some(Value::Array(a)) = without_self.get_mut("args") {
                a.remove(0);
            }
            arguments(&without_self)?
        }
        None => arguments(m)?,
    };
    if label.is_some() && !select.keyword_arguments {
        return Err("methods are replayed for pytest only".into());
    }
    if !select.keyword_arguments && !kwargs.is_empty() {
        return Err("keyword arguments have no JavaScript form".into());
    }
    let exit = exit.ok_or("no function_exit recorded: the call never returned")?;
    let recorded = outcome(meta_of(&exit))?;
    let mut mocks: Vec<Mock> = Vec::new();
    let mut mocked_children = HashSet::new();
    for &child in index.children.get(&entry).into_iter().flatten() {
        let ce = rec.event(child);
        match ce.kind {
            EventKind::HttpRequest | EventKind::DbQuery => {
                return Err(format!(
                    "it does I/O itself ({} {}); mark the function that does it with --boundary",
                    ce.kind.as_str(),
                    crate::report::printable(rec.id_str(child))
                ));
            }
            EventKind::FunctionEntry => {}
            _ => continue,
        }
        let cm = meta_of(&child);
        let child_name = cm.get("function").and_then(Value::as_str).unwrap_or("");
        let marked = select.boundaries.iter().any(|b| glob_match(b, child_name));
        if !marked && !index.did_io.contains(&child) {
            continue;
        }
        let why = |r: String| {
            format!(
                "boundary call {}: {r}",
                crate::report::printable(child_name)
            )
        };
        let (ctarget, _) = target_of(cm).map_err(why)?;
        let (cargs, ckwargs, args_checked) = match arguments(cm) {
            Ok((a, k)) => (a, k, true),
            Err(_) => (Vec::new(), Map::new(), false),
        };
        let cexit = index
            .exit_of
            .get(&child)
            .ok_or_else(|| why("no function_exit recorded".into()))?;
        let coutcome = outcome(meta_of(cexit)).map_err(why)?;
        mocked_children.insert(child);
        let call = MockedCall {
            event_id: rec.id_str(child).to_string(),
            args_checked,
            args: cargs,
            kwargs: ckwargs,
            outcome: coutcome,
        };
        match mocks.iter_mut().find(|mk| mk.target == ctarget) {
            Some(mk) => mk.calls.push(call),
            None => mocks.push(Mock {
                target: ctarget,
                calls: vec![call],
            }),
        }
    }
    let checks_state_or_io = subtree(index, entry, &HashSet::new())
        .iter()
        .any(|&e| touches_state_or_io(rec.event(e).kind));
    Ok(Case {
        name: String::new(),
        trace: rec.str(rec.event(entry).trace).to_string(),
        entry_id: rec.id_str(entry).to_string(),
        exit_id: rec.id_str(exit).to_string(),
        target,
        function,
        args,
        kwargs,
        outcome: recorded,
        mocks,
        state: state_of(rec, index, entry, &mocked_children, modules, meta_of),
        receiver: match label {
            Some(label) => Some(receiver(
                rec,
                index,
                entry,
                &mocked_children,
                label,
                meta_of,
            )?),
            None => None,
        },
        checks_state_or_io,
        entry,
    })
}

/// The kinds of event that make a call more than a pure function of its
/// arguments: state accesses and I/O.
fn touches_state_or_io(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::StateRead
            | EventKind::StateWrite
            | EventKind::HttpRequest
            | EventKind::HttpResponse
            | EventKind::DbQuery
            | EventKind::MessageSend
            | EventKind::MessageReceive
    )
}

/// The recorder's label of `self` (`<Account#3>` gives `Account#3`), when
/// the call is a method of the class `self` is an instance of.
fn receiver_label(meta: &Map<String, Value>, target: &Target) -> Option<String> {
    let first = meta.get("args")?.as_array()?.first()?.as_object()?;
    let repr = first.get("$repr")?.as_str()?;
    let ty = first.get("$type")?.as_str()?;
    let label = repr.strip_prefix('<')?.strip_suffix('>')?;
    let (class_path, _) = target.path.split_at(target.path.len().checked_sub(1)?);
    let class = format!("{}.{}", target.module, class_path.join("."));
    let class_name = class_path.last()?;
    (!class_path.is_empty()
        && ty == class
        && label.split_once('#').is_some_and(|(c, _)| c == class_name))
    .then(|| label.to_string())
}

/// The receiver of a method call: the attributes of its object as the
/// call's own subtree first read them (what the call saw, even of a list
/// changed in place earlier), and as it last wrote them.
fn receiver<'m>(
    rec: &Recording,
    index: &CallIndex,
    entry: EventIdx,
    mocked: &HashSet<EventIdx>,
    label: String,
    meta_of: &dyn Fn(&EventIdx) -> &'m Map<String, Value>,
) -> Result<Receiver, String> {
    let inside = subtree(index, entry, mocked);
    let during: Vec<EventIdx> = index
        .object_accesses
        .get(&label)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|a| inside.contains(a))
        .collect();
    let mut attributes = Map::new();
    let mut after = Map::new();
    let mut seen = HashSet::new();
    for a in &during {
        let Some((_, attr)) = rec
            .event(*a)
            .subject
            .and_then(|v| object_attribute(rec.str(v)))
        else {
            continue;
        };
        let value = meta_of(a).get("value").cloned().unwrap_or(Value::Null);
        let write = rec.event(*a).kind == EventKind::StateWrite;
        if seen.insert(attr.to_string()) && !write {
            if let Some(why) = not_json(&value) {
                return Err(format!(
                    "attribute `{attr}` of `self` ({}) is {why}",
                    crate::report::printable(&label)
                ));
            }
            attributes.insert(attr.to_string(), value.clone());
        }
        if write {
            if not_json(&value).is_none() {
                after.insert(attr.to_string(), value);
            } else {
                after.remove(attr);
            }
        }
    }
    Ok(Receiver {
        label,
        attributes,
        after,
    })
}

/// The events below a call, leaving out its mocked boundaries.
fn subtree(index: &CallIndex, entry: EventIdx, mocked: &HashSet<EventIdx>) -> HashSet<EventIdx> {
    let mut inside = HashSet::new();
    let mut stack = vec![entry];
    while let Some(e) = stack.pop() {
        for &c in index.children.get(&e).into_iter().flatten() {
            if !mocked.contains(&c) && inside.insert(c) {
                stack.push(c);
            }
        }
    }
    inside
}

/// The module globals a call's own subtree (not its mocked boundaries)
/// read and wrote, in order of first access.
fn state_of<'m>(
    rec: &Recording,
    index: &CallIndex,
    entry: EventIdx,
    mocked: &HashSet<EventIdx>,
    modules: &HashSet<String>,
    meta_of: &dyn Fn(&EventIdx) -> &'m Map<String, Value>,
) -> Vec<StateVar> {
    let mut accesses = Vec::new();
    let mut stack = vec![entry];
    while let Some(e) = stack.pop() {
        for &c in index.children.get(&e).into_iter().flatten() {
            if mocked.contains(&c) {
                continue;
            }
            if rec.event(c).access_class().is_some() {
                accesses.push(c);
            }
            stack.push(c);
        }
    }
    accesses.sort_unstable();
    let mut state: Vec<StateVar> = Vec::new();
    for a in accesses {
        let m = meta_of(&a);
        let Some(variable) = m.get("variable").and_then(Value::as_str) else {
            continue;
        };
        let Some((module, name)) = variable.rsplit_once('.') else {
            continue;
        };
        if !modules.contains(module) || !is_identifier(name) {
            continue;
        }
        let value = m
            .get("value")
            .filter(|v| not_json(v).is_none())
            .map(|v| Recorded { value: v.clone() });
        let write = rec.event(a).kind == EventKind::StateWrite;
        let pos = match state
            .iter()
            .position(|s| s.module == module && s.name == name)
        {
            Some(pos) => pos,
            None => {
                state.push(StateVar {
                    module: module.to_string(),
                    name: name.to_string(),
                    before: if write { None } else { value.clone() },
                    after: None,
                });
                state.len() - 1
            }
        };
        if write {
            state[pos].after = value;
        }
    }
    state
}

/// `*` matches any run of characters, `?` one character; nothing else is
/// special.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("shop.*", "shop.cart.add"));
        assert!(glob_match("*.add?", "shop.adds"));
        assert!(!glob_match("shop.*", "shopping"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn repr_and_redacted_values_are_not_json() {
        let v: Value = serde_json::json!([1, {"a": {"$repr": "<x>", "$type": "X"}}]);
        assert_eq!(not_json(&v).unwrap(), "not recorded as JSON ($repr of X)");
        let r: Value = serde_json::json!({"$redacted": "password"});
        assert_eq!(not_json(&r).unwrap(), "redacted (password)");
        assert!(not_json(&serde_json::json!({"a": [1, "b"]})).is_none());
    }
}
