//! Lines of execution: the `(service, thread)` an event belongs to.
//!
//! A thread's line lives in a thread local. A task (tokio) carries its own
//! [`Line`] and swaps it in while it is polled, so that a task's events
//! belong to the task whatever worker thread polls it, and its identity
//! comes from the spawner rather than from span parents.
//!
//! A line also says which session records it: the process-wide one from
//! [`crate::init`], or one bound to it (a test's session, inherited by the
//! threads and tasks it spawns through the wrappers).

use super::event::FnLabel;
use super::session::{self, Session};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// A thread's or task's recording state.
#[derive(Default)]
pub struct Line {
    /// The line's number and name (see [`unique_name`]).
    name: Option<(u32, Arc<str>)>,
    /// Event ids reserved from the session: (session serial, next, end).
    ids: (u64, u64, u64),
    /// Open calls (and, at the bottom, the spawn that started the line).
    stack: Vec<Frame>,
    /// A session bound to this line, which wins over the global one.
    pub bound: Option<Arc<Session>>,
    /// The global session as last seen, with its generation.
    cached: Option<(u64, Option<Arc<Session>>)>,
}

/// An open call on a line: its entry event and its function.
pub struct Frame {
    pub seq: u64,
    pub function: Option<FnLabel>,
}

impl Line {
    /// Makes a call the innermost of the line.
    pub fn push(&mut self, seq: u64, function: Option<FnLabel>) {
        self.stack.push(Frame { seq, function });
    }

    /// Closes the innermost call if it is `seq`.
    pub fn pop(&mut self, seq: u64) {
        if self.stack.last().is_some_and(|f| f.seq == seq) {
            self.stack.pop();
        }
    }

    /// The innermost open call's entry (or the line's spawn).
    pub fn top(&self) -> Option<u64> {
        self.stack.last().map(|f| f.seq)
    }

    /// The innermost open call's function.
    pub fn top_function(&self) -> Option<FnLabel> {
        self.stack.last().and_then(|f| f.function.clone())
    }

    /// A line for a thread or task about to start, named by its spawner.
    pub fn spawned(name: (u32, Arc<str>), spawn: Option<u64>, bound: Option<Arc<Session>>) -> Line {
        Line {
            name: Some(name),
            ids: (0, 0, 0),
            stack: spawn
                .map(|seq| Frame {
                    seq,
                    function: None,
                })
                .into_iter()
                .collect(),
            bound,
            cached: None,
        }
    }

    fn named(&mut self) -> &(u32, Arc<str>) {
        self.name.get_or_insert_with(|| {
            let current = std::thread::current();
            unique_name(current.name(), "thread")
        })
    }

    /// The line's number (what events carry; the writer looks the name up).
    pub fn id(&mut self) -> u32 {
        self.named().0
    }

    /// The line's name, given on first use for threads the recorder did
    /// not start (`main`, the thread's own name, or `thread-N`).
    pub fn name(&mut self) -> Arc<str> {
        self.named().1.clone()
    }

    /// The session recording this line, if it is active (no reference
    /// count is touched: this is the hot path of every event).
    pub fn session_ref(&mut self) -> Option<&Arc<Session>> {
        if let Some(bound) = &self.bound {
            return bound.is_active().then_some(bound);
        }
        let generation = session::generation();
        if self
            .cached
            .as_ref()
            .is_none_or(|(seen, _)| *seen != generation)
        {
            self.cached = Some((generation, session::global()));
        }
        let s = self.cached.as_ref().and_then(|(_, s)| s.as_ref())?;
        s.is_active().then_some(s)
    }

    /// The session and a fresh event id, taken from a block of ids this
    /// line reserved (so threads do not contend on one counter).
    pub fn session_and_seq(&mut self) -> Option<(&Arc<Session>, u64)> {
        let (serial, next, end) = self.ids;
        let (current, fresh) = {
            let s = self.session_ref()?;
            let reuse = serial == s.serial() && next < end;
            (s.serial(), (!reuse).then(|| s.reserve_ids()))
        };
        let seq = match fresh {
            Some(start) => {
                self.ids = (current, start + 1, start + session::ID_BLOCK);
                start
            }
            None => {
                self.ids.1 = next + 1;
                next
            }
        };
        Some((self.session_ref()?, seq))
    }

    /// The session recording this line, if it is active.
    pub fn session(&mut self) -> Option<Arc<Session>> {
        self.session_ref().cloned()
    }

    /// The session a line spawned from this one inherits.
    pub fn inherited(&self) -> Option<Arc<Session>> {
        self.bound.clone()
    }
}

thread_local! {
    static LINE: RefCell<Line> = RefCell::new(Line::default());
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on this thread's current line; `None` while the thread is being
/// torn down or the line is already borrowed.
pub fn with_line<R>(f: impl FnOnce(&mut Line) -> R) -> Option<R> {
    LINE.try_with(|cell| cell.try_borrow_mut().ok().map(|mut l| f(&mut l)))
        .ok()
        .flatten()
}

/// Swaps `line` with the thread's current line (a task being polled).
pub fn swap(line: &mut Line) {
    let _ = LINE.try_with(|cell| {
        if let Ok(mut current) = cell.try_borrow_mut() {
            std::mem::swap(&mut *current, line);
        }
    });
}

/// Runs `f` with recording turned off on this thread (value encoding, which
/// may run user code); `None` if it already was.
pub fn busy<R>(f: impl FnOnce() -> R) -> Option<R> {
    if BUSY.try_with(|b| b.replace(true)).unwrap_or(true) {
        return None;
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = BUSY.try_with(|b| b.set(false));
        }
    }
    let _reset = Reset;
    Some(f())
}

/// Whether this thread is encoding a value right now.
pub fn is_busy() -> bool {
    BUSY.try_with(|b| b.get()).unwrap_or(true)
}

/// Names of lines by number, for the writer.
static BY_NUMBER: RwLock<Vec<Arc<str>>> = RwLock::new(Vec::new());

/// The name of line number `n`.
pub fn line_name(n: u32) -> Option<Arc<str>> {
    BY_NUMBER
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(n as usize)
        .cloned()
}

/// A name no other line of this process has, with its number: `wanted`
/// if free (`main` for the main thread), else `wanted#N`; `fallback-N`
/// without a name, counted per fallback (`thread-1`, `task-1`, ...).
pub fn unique_name(wanted: Option<&str>, fallback: &str) -> (u32, Arc<str>) {
    #[derive(Default)]
    struct Names {
        used: HashSet<Arc<str>>,
        counters: HashMap<String, usize>,
    }
    static NAMES: Mutex<Option<Names>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let names = names.get_or_insert_with(Names::default);
    let base = wanted.unwrap_or(fallback);
    let counter = names.counters.entry(base.to_owned()).or_insert(0);
    let mut candidate: Arc<str> = match wanted {
        Some(w) => w.into(),
        None => {
            *counter += 1;
            format!("{fallback}-{counter}").into()
        }
    };
    while names.used.contains(&candidate) {
        *counter += 1;
        candidate = match wanted {
            Some(_) => format!("{base}#{counter}").into(),
            None => format!("{fallback}-{counter}").into(),
        };
    }
    names.used.insert(candidate.clone());
    let mut by_number = BY_NUMBER.write().unwrap_or_else(|e| e.into_inner());
    let n = u32::try_from(by_number.len()).expect("fewer than 2^32 threads and tasks");
    by_number.push(candidate.clone());
    (n, candidate)
}
