//! Sessions: one trace file, its writer thread and its ids.
//!
//! The global session (from [`crate::init`]) records every line that has
//! no session of its own; a bound session ([`crate::init_for_test`])
//! records the line that started it and what that line spawns.

use super::event::Event;
use super::writer::{self, Destination, Msg, WriterSetup};
use crate::InitError;
use crossbeam_channel::Sender;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

/// A recording in progress.
pub struct Session {
    /// Unique to this session in the process (lines keep ids per session).
    serial: u64,
    tx: Sender<Msg>,
    seq: AtomicU64,
    active: AtomicBool,
    writer: Mutex<Option<JoinHandle<io::Result<u64>>>>,
    trace_id: String,
}

/// Event ids a line reserves at a time.
pub const ID_BLOCK: u64 = 256;

static GLOBAL: RwLock<Option<Arc<Session>>> = RwLock::new(None);
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Changes whenever the global session does (lines cache it).
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The global session, if any.
pub fn global() -> Option<Arc<Session>> {
    GLOBAL.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Installs (once) a panic hook that, after the previous hook, writes what
/// the panicking line's session has recorded: with `panic = "abort"` no
/// guard is dropped, and the trace must be on disk before the process
/// ends.
pub fn flush_on_panic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            // The writer must not wait for itself.
            if std::thread::current().name() == Some("causeway-writer") {
                return;
            }
            let session = super::line::with_line(|l| l.session()).flatten();
            if let Some(s) = session {
                s.flush();
            }
        }));
    });
}

/// 128 random bits from std's randomly keyed hasher (no extra dependency).
fn random_u128() -> u128 {
    let mut bits = 0u128;
    for salt in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        bits = (bits << 64) | u128::from(h.finish());
    }
    bits
}

/// A random version-4 UUID, hyphenated.
fn new_uuid() -> String {
    let bits = (random_u128() & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The prefix stripped from absolute source paths: `CAUSEWAY_ROOT`, else the
/// current directory. Paths from workspace crates are already relative to
/// the workspace root (that is how cargo runs rustc).
fn root_prefix() -> Option<String> {
    let root = std::env::var_os("CAUSEWAY_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    let mut s = root.to_str()?.to_owned();
    if !s.ends_with(std::path::MAIN_SEPARATOR) {
        s.push(std::path::MAIN_SEPARATOR);
    }
    Some(s)
}

/// The service name: `CAUSEWAY_SERVICE`, else the executable's file stem.
fn service_name(explicit: Option<&str>) -> String {
    if let Some(s) = explicit {
        return s.to_owned();
    }
    if let Ok(s) = std::env::var("CAUSEWAY_SERVICE")
        && !s.is_empty()
    {
        return s;
    }
    let stem = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .unwrap_or_else(|| "rust".to_owned());
    without_cargo_hash(&stem).to_owned()
}

/// `name` without the `-<16 hex digits>` cargo adds to test executables.
fn without_cargo_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            base
        }
        _ => name,
    }
}

impl Session {
    /// Opens the destination (creates the file) and starts the writer.
    pub fn start(
        destination: Destination,
        service: Option<&str>,
    ) -> Result<Arc<Session>, InitError> {
        let trace_id = new_uuid();
        let id_prefix = format!("{}-", &new_uuid()[..23]);
        let setup = WriterSetup {
            trace_id: trace_id.clone(),
            id_prefix,
            service: service_name(service),
            root: root_prefix(),
        };
        let path = destination.as_path().to_owned();
        let (tx, handle) = writer::start(destination, setup)
            .map_err(|source| InitError::Create { path, source })?;
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        Ok(Arc::new(Session {
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            tx,
            seq: AtomicU64::new(0),
            active: AtomicBool::new(true),
            writer: Mutex::new(Some(handle)),
            trace_id,
        }))
    }

    /// Makes this the global session (ending any previous one).
    pub fn install_global(self: &Arc<Self>) {
        let previous = GLOBAL
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .replace(self.clone());
        GENERATION.fetch_add(1, Ordering::AcqRel);
        if let Some(previous) = previous {
            let _ = previous.finish();
        }
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The first of [`ID_BLOCK`] fresh event ids (ids start at 1).
    pub fn reserve_ids(&self) -> u64 {
        self.seq.fetch_add(ID_BLOCK, Ordering::Relaxed) + 1
    }

    /// Sends an event; waits while the channel is full.
    pub fn send(&self, event: Event) {
        let _ = self.tx.send(Msg::Event(event));
    }

    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// Waits until everything sent so far is on disk.
    pub fn flush(&self) {
        let (ack, done) = crossbeam_channel::bounded(1);
        if self.tx.send(Msg::Flush(ack)).is_ok() {
            let _ = done.recv();
        }
    }

    /// Stops recording, writes what is left and waits for the writer;
    /// returns the number of events written. Later calls return 0.
    pub fn finish(&self) -> io::Result<u64> {
        self.active.store(false, Ordering::Release);
        {
            let mut global = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
            if global.as_ref().is_some_and(|g| std::ptr::eq(&**g, self)) {
                *global = None;
                GENERATION.fetch_add(1, Ordering::AcqRel);
            }
        }
        let handle = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(handle) = handle else {
            return Ok(0);
        };
        let _ = self.tx.send(Msg::Stop);
        handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the trace writer panicked")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_executables_are_named_without_their_hash() {
        assert_eq!(without_cargo_hash("record-1727731914a9dc71"), "record");
        assert_eq!(without_cargo_hash("rust-bank"), "rust-bank");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
        assert_ne!(new_uuid(), u);
    }
}
