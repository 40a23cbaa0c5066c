//! Record a Rust program as a [Causeway] trace (JSON Lines, format v1):
//! calls, shared state and synchronization, so that `causeway analyze`
//! can report data races, error causal chains and anomalies.
//!
//! ```no_run
//! use causeway_recorder::{Shared, sync::Mutex, thread, trace};
//! use std::sync::Arc;
//!
//! #[trace]
//! fn deposit(balance: &Shared<i64>, amount: i64) {
//!     let seen = balance.read();
//!     balance.write(seen + amount);
//! }
//!
//! fn main() -> Result<(), causeway_recorder::InitError> {
//!     let _guard = causeway_recorder::init("trace.jsonl")?;
//!     let balance = Arc::new(Shared::new("balance", 0));
//!     let lock = Arc::new(Mutex::new(()));
//!     let workers: Vec<_> = (0..2)
//!         .map(|_| {
//!             let (balance, lock) = (balance.clone(), lock.clone());
//!             thread::spawn(move || {
//!                 let _held = lock.lock().unwrap();
//!                 deposit(&balance, 10);
//!             })
//!         })
//!         .collect();
//!     for w in workers {
//!         w.join().unwrap();
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # What is recorded
//!
//! - [`#[trace]`](macro@trace) functions and methods, sync and async: a
//!   `function_entry` with the arguments and a `function_exit` with the
//!   return value, an `Err` or a panic as the exception;
//! - [`Shared`] state: `state_read` and `state_write` at the caller's line;
//! - [`sync`] and [`thread`] (and [`task`] with the `tokio` feature): the
//!   std types with locks, messages, spawns and joins recorded, which are
//!   what orders accesses (happens-before);
//! - with the `tracing` feature, [`Layer`]: spans as calls, events as
//!   `custom` and `error` events;
//! - [`event`] and [`error`]: events of your own.
//!
//! # Features
//!
//! - `record` (off by default): without it, every wrapper *is* the std or
//!   tokio type (a re-export), `#[trace]` returns the function unchanged and
//!   [`init`] writes nothing; turn it on in the build you debug (`cargo run
//!   --features causeway-recorder/record`).
//! - `tokio`: [`task::spawn`] and the `tokio::sync` wrappers in
//!   [`sync::tokio`].
//! - `tracing`: [`Layer`].
//! - `endpoint`: [`init_endpoint`] (and `CAUSEWAY_ENDPOINT` for
//!   [`init_from_env`]) send the events to `causeway collect` over HTTP(S)
//!   instead of writing a file.
//!
//! # Starting and stopping
//!
//! [`init`] (or [`init_from_env`], which reads `CAUSEWAY_OUT`) starts the
//! writer thread and returns a [`Guard`]; dropping it, normally or while a
//! panic unwinds, writes everything recorded. Under `cargo test`,
//! [`init_for_test`] gives each test its own trace.
//!
//! Source files are written as cargo gives them to the compiler: relative
//! to the workspace root for workspace crates. An absolute path under
//! `CAUSEWAY_ROOT` (default: the current directory) is made relative to it.
//!
//! [Causeway]: https://github.com/causeway/causeway

#![warn(missing_docs)]
// The overview links to items of the optional features; docs.rs builds with
// all of them.
#![cfg_attr(
    not(all(feature = "tokio", feature = "tracing", feature = "record")),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "record")]
#[doc(hidden)]
pub mod record;

mod shared;
pub mod sync;
pub mod thread;

#[cfg(feature = "tokio")]
pub mod task;

#[cfg(all(feature = "tracing", feature = "record"))]
mod layer;
#[cfg(all(feature = "tracing", feature = "record"))]
pub use layer::Layer;
#[cfg(all(feature = "tracing", not(feature = "record")))]
pub use tracing_subscriber::layer::Identity as Layer;

pub use shared::Shared;

/// Records calls of a function or method: its entry with the arguments, its
/// exit with the return value, an `Err` or a panic as the exception.
///
/// ```
/// # use causeway_recorder::trace;
/// #[trace]
/// fn add(a: i32, b: i32) -> i32 { a + b }
///
/// #[trace(skip(password), name = "login")]
/// async fn sign_in(user: &str, password: &str) -> Result<u64, String> {
///     Ok(7)
/// }
/// # assert_eq!(add(1, 2), 3);
/// ```
///
/// Arguments and return values are written through `serde::Serialize`
/// where their type implements it, else `Debug`, else as
/// `{"$repr": "<type name>"}`; no serde is needed in your crate. Options:
/// `skip(a, b)` leaves arguments out, `skip_all` leaves all out, `name =
/// "..."` renames the function. A function whose return type is named
/// `Result` records an `Err` as the exception (its type and its `Display`
/// message). An async function's events belong to the task that polls it.
///
/// Without the `record` feature the function is left as it is.
pub use causeway_recorder_macros::trace;

use std::fmt;
use std::path::{Path, PathBuf};

/// Why recording could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// The trace file could not be created.
    Create {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `CAUSEWAY_OUT` is not set (for [`init_from_env`]).
    NoOutput,
    /// The collector's URL cannot be used: not `http://` or `https://`,
    /// or the crate was built without the `endpoint` feature.
    Endpoint {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Create { path, source } => {
                write!(
                    f,
                    "cannot create the trace file {}: {source}",
                    path.display()
                )
            }
            InitError::NoOutput => f.write_str(
                "neither CAUSEWAY_ENDPOINT nor CAUSEWAY_OUT is set: one names the collector \
                 to send to, the other the trace file to write",
            ),
            InitError::Endpoint { url, reason } => {
                write!(f, "cannot send to the collector {url:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Create { source, .. } => Some(source),
            InitError::NoOutput | InitError::Endpoint { .. } => None,
        }
    }
}

/// A recording in progress; dropping it stops recording and writes
/// everything recorded (also while a panic unwinds).
#[must_use = "recording stops when the guard is dropped"]
pub struct Guard {
    #[cfg(feature = "record")]
    session: std::sync::Arc<record::session::Session>,
    #[cfg(feature = "record")]
    bound: bool,
    path: PathBuf,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("path", &self.path).finish()
    }
}

impl Guard {
    /// The trace file (the collector's URL for [`init_endpoint`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trace id of every event of this recording (a UUID); empty
    /// without the `record` feature.
    pub fn trace_id(&self) -> &str {
        #[cfg(feature = "record")]
        return self.session.trace_id();
        #[cfg(not(feature = "record"))]
        ""
    }

    /// Writes everything recorded so far to the file and waits for it.
    pub fn flush(&self) {
        #[cfg(feature = "record")]
        self.session.flush();
    }

    /// Stops recording and returns the number of events written (0 without
    /// the `record` feature), or the write error.
    pub fn finish(self) -> std::io::Result<u64> {
        #[cfg(feature = "record")]
        {
            let result = self.session.finish();
            self.unbind();
            result
        }
        #[cfg(not(feature = "record"))]
        Ok(0)
    }

    #[cfg(feature = "record")]
    fn unbind(&self) {
        if self.bound {
            record::line::with_line(|l| {
                if l.bound
                    .as_ref()
                    .is_some_and(|b| std::sync::Arc::ptr_eq(b, &self.session))
                {
                    l.bound = None;
                }
            });
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(feature = "record")]
        {
            if let Err(e) = self.session.finish() {
                eprintln!(
                    "causeway-recorder: writing {} failed: {e}",
                    self.path.display()
                );
            }
            self.unbind();
        }
    }
}

/// Starts recording the whole process to `path` (a new file; its directory
/// is created). Recording stops when the guard is dropped.
///
/// Without the `record` feature nothing is written and this always
/// succeeds.
pub fn init(path: impl AsRef<Path>) -> Result<Guard, InitError> {
    let path = path.as_ref().to_owned();
    #[cfg(feature = "record")]
    return start_global(record::writer::Destination::File(path));
    #[cfg(not(feature = "record"))]
    Ok(Guard { path })
}

/// Starts recording the whole process, sending the events to a collector
/// (`causeway collect`) at `url` (`http://host:port` or `https://...`)
/// instead of writing a file; `token`, if any, is sent as `Authorization:
/// Bearer TOKEN`. Needs the `endpoint` feature.
///
/// Events go to `url/v1/events` in batches from a background thread; 429,
/// 503 and connection errors are retried, at most 64 MiB wait in memory,
/// and when the guard is dropped what is queued is sent for at most 5
/// seconds. One line on stderr then says how many events were sent, and
/// how many were rejected or lost and why. [`Guard::finish`] returns the
/// number the collector acknowledged.
pub fn init_endpoint(url: &str, token: Option<&str>) -> Result<Guard, InitError> {
    let refuse = |reason| InitError::Endpoint {
        url: url.to_owned(),
        reason,
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| refuse("the URL must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(refuse("the URL has no host"));
    }
    #[cfg(feature = "endpoint")]
    return start_global(record::writer::Destination::Endpoint(
        record::endpoint::Target {
            url: url.to_owned(),
            token: token.filter(|t| !t.is_empty()).map(str::to_owned),
        },
    ));
    #[cfg(not(feature = "endpoint"))]
    {
        let _ = token;
        Err(refuse(
            "this program was built without causeway-recorder's `endpoint` feature",
        ))
    }
}

#[cfg(feature = "record")]
fn start_global(destination: record::writer::Destination) -> Result<Guard, InitError> {
    let path = destination.as_path().to_owned();
    let session = record::session::Session::start(destination, None)?;
    session.install_global();
    record::session::flush_on_panic();
    Ok(Guard {
        session,
        bound: false,
        path,
    })
}

/// [`init_endpoint`] with `CAUSEWAY_ENDPOINT` (and `CAUSEWAY_TOKEN`) when
/// it is set, else [`init`] with the path in `CAUSEWAY_OUT`.
pub fn init_from_env() -> Result<Guard, InitError> {
    if let Ok(url) = std::env::var("CAUSEWAY_ENDPOINT")
        && !url.is_empty()
    {
        let token = std::env::var("CAUSEWAY_TOKEN").ok();
        return init_endpoint(&url, token.as_deref());
    }
    match std::env::var_os("CAUSEWAY_OUT") {
        Some(p) if !p.is_empty() => init(PathBuf::from(p)),
        _ => Err(InitError::NoOutput),
    }
}

/// Records the calling thread, and the threads and tasks it spawns through
/// this crate's wrappers, to a trace of their own: one trace per test under
/// `cargo test`, whose threads run side by side in one process.
///
/// The file is `<dir>/<name>.jsonl`, where `dir` is `CAUSEWAY_TEST_DIR`,
/// else `causeway/` in the target directory the test executable runs from
/// (`target/causeway/`), else `target/causeway/` under the current
/// directory. `name` is usually the test's name; characters outside
/// `[A-Za-z0-9_.-]` become `_`.
///
/// ```no_run
/// #[test]
/// fn transfer_is_atomic() {
///     let _trace = causeway_recorder::init_for_test("transfer_is_atomic").unwrap();
///     // ... the test ...
/// }
/// ```
pub fn init_for_test(name: &str) -> Result<Guard, InitError> {
    let dir = std::env::var_os("CAUSEWAY_TEST_DIR")
        .map(PathBuf::from)
        .or_else(|| target_dir_of_exe().map(|t| t.join("causeway")))
        .unwrap_or_else(|| PathBuf::from("target").join("causeway"));
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    init_thread(dir.join(format!("{file}.jsonl")))
}

/// The target directory of a test executable (`<target>/<profile>/deps/x`).
fn target_dir_of_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    if deps.file_name()? != "deps" {
        return None;
    }
    Some(deps.parent()?.parent()?.to_owned())
}

/// Records the calling thread, and the threads and tasks it spawns through
/// this crate's wrappers, to `path`, while other threads record to the
/// global session (if any): what [`init_for_test`] does with a path of its
/// choosing.
pub fn init_thread(path: impl AsRef<Path>) -> Result<Guard, InitError> {
    let path = path.as_ref().to_owned();
    #[cfg(feature = "record")]
    {
        let session =
            record::session::Session::start(record::writer::Destination::File(path.clone()), None)?;
        record::line::with_line(|l| l.bound = Some(session.clone()));
        record::session::flush_on_panic();
        Ok(Guard {
            session,
            bound: true,
            path,
        })
    }
    #[cfg(not(feature = "record"))]
    Ok(Guard { path })
}

/// Records a `custom` event named `name` with `data` (any value; encoded
/// like `#[trace]` arguments would be, through its `Debug` text here).
#[track_caller]
pub fn event<D: fmt::Debug + ?Sized>(name: &'static str, data: &D) {
    #[cfg(feature = "record")]
    {
        let at = record::event::Loc::caller();
        record::record(record::Parent::Current, || record::event::Payload::Custom {
            name: name.into(),
            data: record::value::debug_json(data),
            at: Some(at),
        });
    }
    #[cfg(not(feature = "record"))]
    let _ = (name, data);
}

/// Records an `error` event for `error` (its `Display` message and type).
#[track_caller]
pub fn error<E: fmt::Display + ?Sized>(error: &E) {
    #[cfg(feature = "record")]
    {
        let at = record::event::Loc::caller();
        record::record(record::Parent::Current, || record::event::Payload::Error {
            message: error.to_string(),
            error_type: std::any::type_name::<E>().into(),
            at: Some(at),
        });
    }
    #[cfg(not(feature = "record"))]
    let _ = error;
}

/// What `#[trace]` expands to; not a public API.
#[cfg(feature = "record")]
#[doc(hidden)]
pub mod __private {
    pub use crate::record::call::{Call, InCall};
    pub use crate::record::event::Site;
    pub use crate::record::value::{
        ErrWrap, MessageViaDebug, MessageViaDisplay, MessageViaTypeName, ViaDebug, ViaSerialize,
        ViaTypeName, Wrap,
    };

    /// Joins encoded arguments into a JSON array.
    pub fn args(parts: &[String]) -> String {
        let mut out = String::from("[");
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(p);
        }
        out.push(']');
        out
    }
}

/// Off means off: without `record`, the wrappers *are* std's and tokio's
/// types (checked here at compile time, in every build without the
/// feature), and `#[trace]` returns its function unchanged (checked by the
/// macro crate's tests).
#[cfg(not(feature = "record"))]
mod off_is_std {
    trait Same<T> {}
    impl<T> Same<T> for T {}
    fn same<A: Same<B>, B>() {}

    #[allow(dead_code)]
    fn wrappers_are_the_std_types() {
        use crate::{sync, thread};
        same::<sync::Mutex<u8>, std::sync::Mutex<u8>>();
        same::<sync::MutexGuard<'static, u8>, std::sync::MutexGuard<'static, u8>>();
        same::<sync::RwLock<u8>, std::sync::RwLock<u8>>();
        same::<sync::Condvar, std::sync::Condvar>();
        same::<sync::Barrier, std::sync::Barrier>();
        same::<sync::mpsc::Sender<u8>, std::sync::mpsc::Sender<u8>>();
        same::<sync::mpsc::Receiver<u8>, std::sync::mpsc::Receiver<u8>>();
        same::<sync::atomic::AtomicUsize, std::sync::atomic::AtomicUsize>();
        same::<thread::JoinHandle<u8>, std::thread::JoinHandle<u8>>();
        same::<thread::Builder, std::thread::Builder>();
        #[cfg(feature = "tokio")]
        {
            same::<crate::task::JoinHandle<u8>, tokio::task::JoinHandle<u8>>();
            same::<sync::tokio::Mutex<u8>, tokio::sync::Mutex<u8>>();
            same::<sync::tokio::mpsc::Sender<u8>, tokio::sync::mpsc::Sender<u8>>();
            same::<sync::tokio::oneshot::Sender<u8>, tokio::sync::oneshot::Sender<u8>>();
        }
    }
}
