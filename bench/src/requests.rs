//! Request traces with planted outliers, for the anomaly layer's tests and
//! benchmarks: a web service handles requests on worker threads; each
//! request is one trace whose root call `handle_request` loads the user,
//! fetches a few items (each one `db_query`), and renders. Durations are
//! log-normal around each function's own median, as real latencies are.
//!
//! Two outliers can be planted, as the anomaly issue describes them: one
//! `fetch_item` call 20x slower than its siblings, and one request with 10x
//! the usual fan-out. [`Planted`] names their events.

use crate::{Rng, write_uuid};
use std::io::Write;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub requests: usize,
    pub threads: usize,
    pub seed: u64,
    /// Make one `fetch_item` call this many times slower than the median.
    pub slow_call: Option<f64>,
    /// Give one request this many times the usual number of fetches.
    pub wide_request: Option<f64>,
    /// How many of each outlier to plant (in distinct requests).
    pub plants: usize,
}

impl Plan {
    /// `requests` requests on 8 threads, with both outliers planted (20x and
    /// 10x).
    pub fn planted(requests: usize, seed: u64) -> Plan {
        Plan {
            requests,
            threads: 8,
            seed,
            slow_call: Some(20.0),
            wide_request: Some(10.0),
            plants: 1,
        }
    }

    /// The same workload with nothing planted.
    pub fn clean(requests: usize, seed: u64) -> Plan {
        Plan {
            slow_call: None,
            wide_request: None,
            ..Plan::planted(requests, seed)
        }
    }
}

/// The ids of the planted events.
#[derive(Clone, Debug, Default)]
pub struct Planted {
    /// The `function_entry` of each slow `fetch_item` call.
    pub slow_calls: Vec<String>,
    /// The `function_entry` of each wide request's `handle_request`.
    pub wide_requests: Vec<String>,
    pub events: u64,
    /// Calls of `fetch_item` (the slow call's siblings).
    pub fetch_calls: u64,
}

const MEDIAN_FETCHES: u64 = 4;

struct Writer<'a, W: Write> {
    out: W,
    rng: &'a mut Rng,
    line: Vec<u8>,
    events: u64,
}

impl<W: Write> Writer<'_, W> {
    /// Writes one event and returns its id.
    #[expect(clippy::too_many_arguments)]
    fn event(
        &mut self,
        trace: u128,
        parent: Option<&str>,
        ns: u64,
        kind: &str,
        thread: &str,
        function: &str,
        extra: &str,
    ) -> std::io::Result<String> {
        let mut id = Vec::with_capacity(36);
        write_uuid(&mut id, self.rng.u128());
        let id = String::from_utf8(id).expect("uuids are ASCII");
        let mut trace_id = Vec::with_capacity(36);
        write_uuid(&mut trace_id, trace);
        let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
        let (secs, nanos) = (ns / 1_000_000_000, ns % 1_000_000_000);
        self.line.clear();
        write!(
            self.line,
            "{{\"id\":\"{id}\",\"trace_id\":\"{}\",\"parent_id\":{parent},\"timestamp\":\"2026-01-01T00:{:02}:{:02}.{nanos:09}Z\",\"kind\":\"{kind}\",\"metadata\":{{\"service\":\"shop\",\"thread\":\"{thread}\",\"function\":\"{function}\",\"file\":\"shop/handlers.py\",\"line\":{}{extra}}}}}",
            String::from_utf8_lossy(&trace_id),
            secs / 60,
            secs % 60,
            line_of(function)
        )?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.events += 1;
        Ok(id)
    }

    /// A log-normal duration around `median_ns` (sigma 0.3).
    fn duration(&mut self, median_ns: f64) -> u64 {
        let u1 = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let u2 = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (median_ns * (0.3 * z).exp()) as u64
    }
}

fn line_of(function: &str) -> u32 {
    match function {
        "handle_request" => 10,
        "load_user" => 20,
        "fetch_item" => 30,
        _ => 40,
    }
}

/// Writes the trace and says which events were planted.
pub fn generate(plan: Plan, out: impl Write) -> std::io::Result<Planted> {
    let mut rng = Rng::new(plan.seed);
    // Distinct requests for every planted outlier.
    let kinds = usize::from(plan.slow_call.is_some()) + usize::from(plan.wide_request.is_some());
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < (kinds * plan.plants).min(plan.requests) {
        let at = rng.below(plan.requests as u64) as usize;
        if !chosen.contains(&at) {
            chosen.push(at);
        }
    }
    let split = if plan.slow_call.is_some() {
        plan.plants.min(chosen.len())
    } else {
        0
    };
    let (slow_at, wide_at) = chosen.split_at(split);
    let mut w = Writer {
        out,
        rng: &mut rng,
        line: Vec::new(),
        events: 0,
    };
    let mut planted = Planted::default();
    for request in 0..plan.requests {
        let trace = w.rng.u128();
        let thread = format!("worker-{}", request % plan.threads);
        // Requests arrive every 0.5 ms and overlap on the workers.
        let mut now = 1_000_000_000 + request as u64 * 500_000;
        let root = w.event(
            trace,
            None,
            now,
            "function_entry",
            &thread,
            "handle_request",
            "",
        )?;
        let call = |w: &mut Writer<'_, _>,
                    now: &mut u64,
                    function: &str,
                    median: f64,
                    query: bool|
         -> std::io::Result<String> {
            let entry = w.event(
                trace,
                Some(&root),
                *now,
                "function_entry",
                &thread,
                function,
                "",
            )?;
            let took = w.duration(median);
            if query {
                let item = w.rng.below(10_000);
                w.event(
                    trace,
                    Some(&entry),
                    *now + took / 4,
                    "db_query",
                    &thread,
                    function,
                    &format!(",\"statement\":\"SELECT * FROM items WHERE id = {item}\""),
                )?;
            }
            *now += took;
            w.event(
                trace,
                Some(&entry),
                *now,
                "function_exit",
                &thread,
                function,
                "",
            )?;
            *now += w.duration(50_000.0);
            Ok(entry)
        };
        call(&mut w, &mut now, "load_user", 1_000_000.0, false)?;
        let mut fetches = MEDIAN_FETCHES - 1 + w.rng.below(3);
        if wide_at.contains(&request) {
            fetches = (MEDIAN_FETCHES as f64 * plan.wide_request.unwrap_or(1.0)) as u64;
            planted.wide_requests.push(root.clone());
        }
        let slow = slow_at.contains(&request);
        for i in 0..fetches {
            let median = if slow && i == 0 {
                2_000_000.0 * plan.slow_call.unwrap_or(1.0)
            } else {
                2_000_000.0
            };
            let entry = call(&mut w, &mut now, "fetch_item", median, true)?;
            if slow && i == 0 {
                planted.slow_calls.push(entry);
            }
            planted.fetch_calls += 1;
        }
        call(&mut w, &mut now, "render", 500_000.0, false)?;
        w.event(
            trace,
            Some(&root),
            now,
            "function_exit",
            &thread,
            "handle_request",
            "",
        )?;
    }
    planted.events = w.events;
    w.out.flush()?;
    Ok(planted)
}
