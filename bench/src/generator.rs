//! The trace generator behind `tracegen`: a scheduler interleaves simulated
//! threads; each step one thread enters or leaves a function, touches shared
//! state (under its lock or, rarely, without one), sends or receives a
//! message, or records an error. Shapes:
//!
//! - `typical`: 32 threads, 1000 variables, every access locked except one in
//!   ten on five of the variables.
//! - `hot-variable`: 64 threads on one variable, half of them unlocked, so the
//!   number of racing pairs grows with the square of the accesses.
//! - `many-traces`: 100K short request traces on 16 worker threads.
//! - `deep`: threads recurse to call depth 1000 and back.
//! - `clocks`: `typical` on 16 threads, every event with its vector clock.

use crate::{Rng, write_hex128, write_uuid};
use std::collections::HashMap;
use std::io::Write;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    Typical,
    HotVariable,
    ManyTraces,
    Deep,
    Clocks,
}

/// The knobs a shape sets; all can be overridden on the command line.
#[derive(Clone, Debug)]
pub struct Profile {
    pub threads: usize,
    pub variables: usize,
    pub locks: usize,
    /// The first `racy` variables have a code path that forgets the lock...
    pub racy: usize,
    /// ...and takes it with this probability; every other access is locked.
    pub locked: f64,
    /// Share of steps that send a message to another thread.
    pub messages: f64,
    /// Share of steps that enter a function.
    pub calls: f64,
    pub max_depth: usize,
    /// Events a thread spends on one trace before it starts the next.
    pub trace_len: u64,
    pub clocks: bool,
    /// Share of steps that record an error.
    pub errors: f64,
}

impl Profile {
    /// The profile of a shape, for a trace of `events` events.
    pub fn of(shape: Shape, events: u64) -> Profile {
        let typical = Profile {
            threads: 32,
            variables: 1000,
            locks: 64,
            racy: 5,
            locked: 0.9,
            messages: 0.02,
            calls: 0.35,
            max_depth: 8,
            trace_len: 2000,
            clocks: false,
            errors: 0.0005,
        };
        match shape {
            Shape::Typical => typical,
            Shape::HotVariable => Profile {
                threads: 64,
                variables: 1,
                locks: 1,
                racy: 1,
                locked: 0.5,
                messages: 0.0,
                calls: 0.2,
                max_depth: 4,
                ..typical
            },
            // Shallow calls, so that a thread is often between requests and
            // starts a new trace: about 100K traces whatever the size.
            Shape::ManyTraces => Profile {
                threads: 16,
                max_depth: 2,
                trace_len: (events / 100_000).saturating_sub(2).max(1),
                ..typical
            },
            Shape::Deep => Profile {
                threads: 8,
                max_depth: 1000,
                calls: 0.9,
                ..typical
            },
            Shape::Clocks => Profile {
                threads: 16,
                clocks: true,
                ..typical
            },
        }
    }
}

struct Frame {
    id: u128,
    function: usize,
}

struct Thread {
    name: String,
    stack: Vec<Frame>,
    trace: u128,
    /// Events written on the current trace.
    trace_events: u64,
    inbox: Vec<u128>,
    clock: Vec<u32>,
    unwinding: bool,
}

/// Writes events, keeping ids, timestamps and (optionally) vector clocks.
struct Emitter<W: Write> {
    out: W,
    line: Vec<u8>,
    rng: Rng,
    written: u64,
    clocks: bool,
}

impl<W: Write> Emitter<W> {
    /// Writes one event; `metadata` is the JSON members after service and
    /// thread (without braces). Returns the event's id.
    fn emit(
        &mut self,
        thread: &Thread,
        kind: &str,
        parent: Option<u128>,
        metadata: &str,
    ) -> std::io::Result<u128> {
        let id = self.rng.u128();
        let line = &mut self.line;
        line.clear();
        line.extend_from_slice(b"{\"id\":\"");
        write_uuid(line, id);
        line.extend_from_slice(b"\",\"trace_id\":\"");
        write_hex128(line, thread.trace);
        line.extend_from_slice(b"\",\"parent_id\":");
        match parent {
            Some(p) => {
                line.push(b'"');
                write_uuid(line, p);
                line.push(b'"');
            }
            None => line.extend_from_slice(b"null"),
        }
        // One microsecond per event from a fixed start: deterministic.
        let micros = self.written;
        let _ = write!(
            line,
            ",\"timestamp\":\"2026-11-26T{:02}:{:02}:{:02}.{:06}Z\",\"kind\":\"{kind}\",\"metadata\":{{\"service\":\"app\",\"thread\":\"{}\",\"language\":\"python\"{}{metadata}}}",
            (micros / 3_600_000_000) % 24,
            (micros / 60_000_000) % 60,
            (micros / 1_000_000) % 60,
            micros % 1_000_000,
            thread.name,
            if metadata.is_empty() { "" } else { "," },
        );
        if self.clocks {
            line.extend_from_slice(b",\"causality_vector\":[");
            let mut first = true;
            for (i, &n) in thread.clock.iter().enumerate() {
                if n > 0 {
                    if !first {
                        line.push(b',');
                    }
                    first = false;
                    let _ = write!(line, "[\"app/t{i}\",{n}]");
                }
            }
            line.push(b']');
        }
        line.extend_from_slice(b"}\n");
        self.out.write_all(line)?;
        self.written += 1;
        Ok(id)
    }
}

struct Generator<W: Write> {
    profile: Profile,
    rng: Rng,
    emit: Emitter<W>,
    threads: Vec<Thread>,
    /// Clock at each lock's last release, and at each message's send.
    lock_clock: Vec<Vec<u32>>,
    message_clock: HashMap<u128, Vec<u32>>,
    target: u64,
}

fn join(into: &mut [u32], other: &[u32]) {
    for (a, b) in into.iter_mut().zip(other) {
        *a = (*a).max(*b);
    }
}

impl<W: Write> Generator<W> {
    /// Ticks thread `t`'s clock and writes an event for it.
    fn event(
        &mut self,
        t: usize,
        kind: &str,
        parent: Option<u128>,
        metadata: &str,
    ) -> std::io::Result<u128> {
        let thread = &mut self.threads[t];
        thread.clock[t] += 1;
        thread.trace_events += 1;
        self.emit.emit(&self.threads[t], kind, parent, metadata)
    }

    fn parent_of(&self, t: usize) -> Option<u128> {
        self.threads[t].stack.last().map(|f| f.id)
    }

    fn run(&mut self) -> std::io::Result<()> {
        let threads = self.profile.threads;
        // The main thread spawns every worker first and awaits them at the end.
        for t in 1..threads {
            self.event(0, "async_spawn", None, &format!("\"task\":\"t{t}\",\"function\":\"app.main.start_workers\",\"file\":\"app/main.py\",\"line\":12"))?;
            let spawn_clock = self.threads[0].clock.clone();
            join(&mut self.threads[t].clock, &spawn_clock);
        }
        // Stop early enough to unwind every stack and await every worker (a
        // step writes at most four events), then pad to the exact count.
        loop {
            let open: u64 = self.threads.iter().map(|t| t.stack.len() as u64).sum();
            if self.emit.written + open + threads as u64 + 4 >= self.target {
                break;
            }
            let t = self.rng.below(threads as u64) as usize;
            self.step(t)?;
        }
        // Unwind every stack, then join.
        for t in 0..threads {
            while let Some(frame) = self.threads[t].stack.pop() {
                self.exit(t, frame)?;
            }
        }
        for t in 1..threads {
            let child_clock = self.threads[t].clock.clone();
            join(&mut self.threads[0].clock, &child_clock);
            self.event(0, "async_await", None, &format!("\"task\":\"t{t}\",\"function\":\"app.main.start_workers\",\"file\":\"app/main.py\",\"line\":20"))?;
        }
        while self.emit.written < self.target {
            self.event(
                0,
                "custom",
                None,
                "\"name\":\"heartbeat\",\"data\":{\"queue_depth\":0}",
            )?;
        }
        Ok(())
    }

    fn step(&mut self, t: usize) -> std::io::Result<()> {
        let p = self.profile.clone();
        if let Some(message) = self.threads[t].inbox.pop() {
            return self.receive(t, message);
        }
        let depth = self.threads[t].stack.len();
        // Start a new trace between requests.
        if depth == 0 && self.threads[t].trace_events >= p.trace_len {
            self.threads[t].trace = self.rng.u128();
            self.threads[t].trace_events = 0;
        }
        // Deep threads dive to the maximum depth, then unwind all the way.
        if depth >= p.max_depth {
            self.threads[t].unwinding = true;
        }
        if self.threads[t].unwinding {
            match self.threads[t].stack.pop() {
                Some(frame) => return self.exit(t, frame),
                None => self.threads[t].unwinding = false,
            }
        }
        let deep = p.max_depth > 100;
        if depth > 0 && !deep && self.rng.chance(0.25) {
            let frame = self.threads[t].stack.pop().expect("depth > 0");
            return self.exit(t, frame);
        }
        if self.rng.chance(p.calls) {
            return self.enter(t);
        }
        if self.rng.chance(p.messages) {
            return self.send(t);
        }
        if self.rng.chance(p.errors) {
            let parent = self.parent_of(t);
            let function = self.threads[t].stack.last().map_or(0, |f| f.function);
            let order = self.rng.below(100_000);
            let metadata = format!(
                "\"message\":\"order {order} not found\",\"error_type\":\"app.errors.NotFound\",\"function\":\"app.handlers.handler_{function}\",\"file\":\"app/handlers.py\",\"line\":{}",
                200 + function
            );
            self.event(t, "error", parent, &metadata)?;
            return Ok(());
        }
        self.access(t)
    }

    fn enter(&mut self, t: usize) -> std::io::Result<()> {
        let function = self.rng.below(200) as usize;
        let parent = self.parent_of(t);
        let metadata = format!(
            "\"function\":\"app.handlers.handler_{function}\",\"module\":\"app.handlers\",\"file\":\"app/handlers.py\",\"line\":{},\"args\":[{},\"sku-{}\"],\"kwargs\":{{\"retry\":false}}",
            10 + function * 7,
            self.rng.below(1000),
            self.rng.below(50)
        );
        let id = self.event(t, "function_entry", parent, &metadata)?;
        self.threads[t].stack.push(Frame { id, function });
        Ok(())
    }

    fn exit(&mut self, t: usize, frame: Frame) -> std::io::Result<()> {
        let metadata = format!(
            "\"function\":\"app.handlers.handler_{}\",\"return_value\":{},\"duration_ns\":{}",
            frame.function,
            self.rng.below(100),
            1000 + self.rng.below(50_000)
        );
        self.event(t, "function_exit", Some(frame.id), &metadata)?;
        Ok(())
    }

    fn access(&mut self, t: usize) -> std::io::Result<()> {
        let p = &self.profile;
        let variable = self.rng.below(p.variables as u64) as usize;
        let lock = variable % p.locks;
        let locked = variable >= p.racy || self.rng.chance(p.locked);
        let parent = self.parent_of(t);
        // Each variable is touched from a few fixed lines, as in real code.
        let site = (variable * 31 + self.rng.below(3) as usize) % 500;
        let (file, line) = (format!("app/state{}.py", site % 20), 10 + site * 3);
        if locked {
            // The acquire's own clock includes the last release.
            let released = self.lock_clock[lock].clone();
            join(&mut self.threads[t].clock, &released);
            self.event(
                t,
                "lock_acquire",
                parent,
                &format!(
                    "\"lock\":\"lock-{lock}\",\"file\":\"{file}\",\"line\":{}",
                    line - 1
                ),
            )?;
        }
        let value = self.rng.below(10_000);
        self.event(t, "state_read", parent, &format!("\"variable\":\"Account#{variable}.balance\",\"value\":{value},\"file\":\"{file}\",\"line\":{line}"))?;
        self.event(t, "state_write", parent, &format!("\"variable\":\"Account#{variable}.balance\",\"old_value\":{value},\"value\":{},\"file\":\"{file}\",\"line\":{}", value + 1, line + 1))?;
        if locked {
            self.event(
                t,
                "lock_release",
                parent,
                &format!(
                    "\"lock\":\"lock-{lock}\",\"file\":\"{file}\",\"line\":{}",
                    line + 2
                ),
            )?;
            self.lock_clock[lock] = self.threads[t].clock.clone();
        }
        Ok(())
    }

    fn send(&mut self, t: usize) -> std::io::Result<()> {
        let threads = self.profile.threads as u64;
        let to = ((t as u64 + 1 + self.rng.below(threads - 1)) % threads) as usize;
        let message = self.rng.u128();
        let parent = self.parent_of(t);
        let mut id = Vec::new();
        write_uuid(&mut id, message);
        let id = String::from_utf8(id).expect("hex is ascii");
        self.event(
            t,
            "message_send",
            parent,
            &format!(
                "\"channel\":\"jobs\",\"message_id\":\"{id}\",\"file\":\"app/queue.py\",\"line\":31"
            ),
        )?;
        self.message_clock
            .insert(message, self.threads[t].clock.clone());
        self.threads[to].inbox.push(message);
        Ok(())
    }

    fn receive(&mut self, t: usize, message: u128) -> std::io::Result<()> {
        if let Some(sent) = self.message_clock.remove(&message) {
            join(&mut self.threads[t].clock, &sent);
        }
        let parent = self.parent_of(t);
        let mut id = Vec::new();
        write_uuid(&mut id, message);
        let id = String::from_utf8(id).expect("hex is ascii");
        self.event(
            t,
            "message_receive",
            parent,
            &format!(
                "\"channel\":\"jobs\",\"message_id\":\"{id}\",\"file\":\"app/queue.py\",\"line\":58"
            ),
        )?;
        Ok(())
    }
}

impl Shape {
    pub const ALL: [Shape; 5] = [
        Shape::Typical,
        Shape::HotVariable,
        Shape::ManyTraces,
        Shape::Deep,
        Shape::Clocks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Typical => "typical",
            Shape::HotVariable => "hot-variable",
            Shape::ManyTraces => "many-traces",
            Shape::Deep => "deep",
            Shape::Clocks => "clocks",
        }
    }

    pub fn parse(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Writes a trace of exactly `events` events with the given profile and
/// seed; the same arguments give the same bytes.
pub fn generate(profile: Profile, events: u64, seed: u64, out: impl Write) -> std::io::Result<()> {
    assert!(profile.threads >= 2 && profile.variables > 0 && profile.locks > 0);
    let mut rng = Rng::new(seed);
    let threads = (0..profile.threads)
        .map(|t| Thread {
            name: format!("t{t}"),
            stack: Vec::new(),
            trace: rng.u128(),
            trace_events: 0,
            inbox: Vec::new(),
            clock: vec![0; profile.threads],
            unwinding: false,
        })
        .collect();
    let mut generator = Generator {
        lock_clock: vec![vec![0; profile.threads]; profile.locks],
        message_clock: HashMap::new(),
        emit: Emitter {
            out,
            line: Vec::with_capacity(512),
            rng: Rng::new(seed.wrapping_mul(31).wrapping_add(7)),
            written: 0,
            clocks: profile.clocks,
        },
        threads,
        profile,
        rng,
        target: events,
    };
    generator.run()?;
    generator.emit.out.flush()
}
