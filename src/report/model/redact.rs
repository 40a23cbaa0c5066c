//! Redaction: every string of a report that came from the input, visited
//! so that `causeway.toml`'s `redact` patterns can replace what matches.

use super::{Body, Finding, Report, Step};
use serde_json::Value;

impl Report {
    /// Calls `f` on every string of the report that came from the input
    /// (names, locations, ids, messages, values, file names), for
    /// redaction. Codes, help lines and fingerprints are left alone.
    pub fn visit_input_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.inputs.iter_mut().for_each(&mut *f);
        for finding in &mut self.findings {
            finding.visit_input_strings(f);
        }
        for d in &mut self.diagnostics {
            f(&mut d.file);
            f(&mut d.message);
        }
        if let Some(baseline) = &mut self.baseline {
            f(&mut baseline.file);
            for entry in &mut baseline.absent {
                f(&mut entry.title);
            }
        }
    }
}

impl Finding {
    /// [`Report::visit_input_strings`] for one finding: its body's strings,
    /// then the head derived again from them.
    fn visit_input_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        match &mut self.body {
            Body::Race(race) => {
                race.service.iter_mut().for_each(&mut *f);
                f(&mut race.variable);
                race.locations.iter_mut().for_each(&mut *f);
                f(&mut race.example.first);
                f(&mut race.example.second);
                for access in &mut race.accesses {
                    f(&mut access.event_id);
                    f(&mut access.trace_id);
                    f(&mut access.service);
                    f(&mut access.thread);
                    f(&mut access.location);
                    f(&mut access.input.file);
                    access.function.iter_mut().for_each(&mut *f);
                    if let Some(value) = &mut access.value {
                        visit_value_strings(value, f);
                    }
                    access.chain.iter_mut().for_each(&mut *f);
                    visit_steps(&mut access.steps, f);
                }
            }
            Body::Anomaly(anomaly) => {
                f(&mut anomaly.event_id);
                f(&mut anomaly.description);
                anomaly.affected_events.iter_mut().for_each(&mut *f);
                f(&mut anomaly.trace_id);
                f(&mut anomaly.service);
                f(&mut anomaly.thread);
                f(&mut anomaly.location);
                f(&mut anomaly.input.file);
                anomaly.function.iter_mut().for_each(&mut *f);
            }
            Body::Error(error) => {
                error.caught_in.iter_mut().for_each(&mut *f);
                f(&mut error.event_id);
                f(&mut error.trace_id);
                error.error_type.iter_mut().for_each(&mut *f);
                f(&mut error.message);
                f(&mut error.service);
                f(&mut error.thread);
                f(&mut error.location);
                f(&mut error.input.file);
                error.function.iter_mut().for_each(&mut *f);
                error.chain.iter_mut().for_each(&mut *f);
                visit_steps(&mut error.steps, f);
                for read in &mut error.racy_reads {
                    read.service.iter_mut().for_each(&mut *f);
                    f(&mut read.variable);
                    f(&mut read.read);
                    f(&mut read.read_location);
                    f(&mut read.write);
                    f(&mut read.write_location);
                    f(&mut read.write_thread);
                    read.path.iter_mut().for_each(&mut *f);
                    f(&mut read.explanation);
                }
            }
        }
        self.derive_head();
    }
}

fn visit_steps(steps: &mut [Step], f: &mut dyn FnMut(&mut String)) {
    for step in steps {
        f(&mut step.event_id);
        f(&mut step.label);
        f(&mut step.service);
        f(&mut step.thread);
        f(&mut step.location);
    }
}

fn visit_value_strings(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| visit_value_strings(v, f)),
        Value::Object(map) => {
            // Keys can carry data too: rebuild the map with visited keys.
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (mut key, mut v) in entries {
                f(&mut key);
                visit_value_strings(&mut v, f);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}
