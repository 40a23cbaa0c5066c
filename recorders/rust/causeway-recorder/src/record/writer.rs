//! The writer: one background thread per session, fed by a bounded
//! crossbeam channel, writing v1 JSON lines.
//!
//! Never lossy: when the channel is full the recording thread waits. The
//! channel is linearizable, so an event sent after another (in real time,
//! by any thread) is written after it: the recorder relies on that for the
//! file order the happens-before rules read (a `lock_release` sent before
//! the unlock is written before the `lock_acquire` sent after the next
//! lock). The thread writes whatever has arrived as one batch and flushes
//! when the channel runs dry, so a crash loses at most what was in flight
//! and leaves at most a truncated last line. It polls the channel, sleeping
//! a little longer each time it finds it empty, instead of blocking on it:
//! a blocked receiver would turn every send into a wake-up system call.
//!
//! The lines go to a file or, with the `endpoint` feature, to a collector
//! ([`super::endpoint`]): the `Output` is the only difference.

use super::event::{Caches, Event, LineContext};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

/// Room for this many events in flight before recording threads wait
/// (about 2.7 MB of slots).
pub const CHANNEL_CAPACITY: usize = 16 * 1024;
/// Events written between two checks of the channel for a flush.
const BATCH: usize = 4096;
/// The writer's sleeps while the channel is empty grow from this...
const MIN_IDLE: Duration = Duration::from_micros(50);
/// ...to this, which bounds how long a flush or the end of a session waits.
const MAX_IDLE: Duration = Duration::from_millis(5);

/// What recording threads send.
pub enum Msg {
    Event(Event),
    /// Write everything before this, flush, and answer.
    Flush(Sender<()>),
    /// Flush and end the thread.
    Stop,
}

/// What the writer thread needs to know once.
pub struct WriterSetup {
    pub trace_id: String,
    pub id_prefix: String,
    pub service: String,
    pub root: Option<String>,
}

/// Where a session's lines go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A new file (its directory is created).
    File(PathBuf),
    /// A collector.
    #[cfg(feature = "endpoint")]
    Endpoint(super::endpoint::Target),
}

impl Destination {
    /// The file, or the URL, as a path for [`crate::Guard::path`].
    pub fn as_path(&self) -> &Path {
        match self {
            Destination::File(path) => path,
            #[cfg(feature = "endpoint")]
            Destination::Endpoint(target) => Path::new(&target.url),
        }
    }
}

/// The writer thread's end: a buffered file, or batches for a collector.
enum Output {
    File(BufWriter<File>),
    #[cfg(feature = "endpoint")]
    Endpoint(super::endpoint::Endpoint),
}

impl Output {
    fn open(destination: Destination) -> io::Result<Output> {
        match destination {
            Destination::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let file = File::create(&path)?;
                Ok(Output::File(BufWriter::with_capacity(256 * 1024, file)))
            }
            #[cfg(feature = "endpoint")]
            Destination::Endpoint(target) => {
                super::endpoint::Endpoint::start(target).map(Output::Endpoint)
            }
        }
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        match self {
            Output::File(out) => out.write_all(line),
            #[cfg(feature = "endpoint")]
            Output::Endpoint(out) => {
                out.write_line(line);
                Ok(())
            }
        }
    }

    /// The channel ran dry: make what was written durable (the file) or
    /// ready to send (the collector), without waiting.
    fn settle(&mut self) -> io::Result<()> {
        match self {
            Output::File(out) => out.flush(),
            #[cfg(feature = "endpoint")]
            Output::Endpoint(out) => {
                out.hand_off();
                Ok(())
            }
        }
    }

    /// A flush asked for by the program: wait until it is written or sent.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::File(out) => out.flush(),
            #[cfg(feature = "endpoint")]
            Output::Endpoint(out) => {
                out.flush();
                Ok(())
            }
        }
    }

    /// The end; returns the number of events written (or acknowledged by
    /// the collector, after printing what became of the others).
    fn close(self, written: u64) -> io::Result<u64> {
        match self {
            Output::File(mut out) => out.flush().map(|()| written),
            #[cfg(feature = "endpoint")]
            Output::Endpoint(out) => {
                let url = out.url().to_owned();
                let outcome = out.close();
                eprintln!("{}", outcome.summary(&url));
                Ok(outcome.sent)
            }
        }
    }
}

/// Opens the destination and starts the thread. The error is the file's
/// (the caller names the path).
pub fn start(
    destination: Destination,
    setup: WriterSetup,
) -> io::Result<(Sender<Msg>, JoinHandle<io::Result<u64>>)> {
    let out = Output::open(destination)?;
    let (tx, rx) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
    let handle = std::thread::Builder::new()
        .name("causeway-writer".into())
        .spawn(move || run(rx, out, setup))?;
    Ok((tx, handle))
}

/// The thread's loop; returns the number of events written.
fn run(rx: Receiver<Msg>, mut out: Output, setup: WriterSetup) -> io::Result<u64> {
    let trace_id = serde_json::to_string(&setup.trace_id).expect("a string serializes");
    let service = format!(
        "\"service\":{}",
        serde_json::to_string(&setup.service).expect("a string serializes")
    );
    let ctx = LineContext {
        trace_id: &trace_id,
        id_prefix: &setup.id_prefix,
        service: &service,
        root: setup.root.as_deref(),
    };
    let mut caches = Caches::default();
    let mut line = String::with_capacity(512);
    let mut written = 0u64;
    // An I/O error stops writing but not draining: the program must not
    // block on a full channel because the disk is full.
    let mut failed: Option<io::Error> = None;
    let mut idle = Duration::ZERO;
    loop {
        // Polling with a growing sleep, rather than blocking in `recv`:
        // a blocked receiver makes every send a wake-up system call.
        let first = match rx.try_recv() {
            Ok(m) => {
                idle = Duration::ZERO;
                m
            }
            Err(TryRecvError::Empty) => {
                idle = (idle * 2).clamp(MIN_IDLE, MAX_IDLE);
                std::thread::sleep(idle);
                continue;
            }
            Err(TryRecvError::Disconnected) => break,
        };
        let mut next = Some(first);
        let mut in_batch = 0;
        while let Some(msg) = next.take() {
            match msg {
                Msg::Event(event) => {
                    if failed.is_none() {
                        line.clear();
                        event.write_line(&ctx, &mut caches, &mut line);
                        if let Err(e) = out.write_line(line.as_bytes()) {
                            failed = Some(e);
                        }
                        written += 1;
                    }
                }
                Msg::Flush(ack) => {
                    if failed.is_none()
                        && let Err(e) = out.flush()
                    {
                        failed = Some(e);
                    }
                    let _ = ack.send(());
                }
                Msg::Stop => {
                    return match failed {
                        Some(e) => Err(e),
                        None => out.close(written),
                    };
                }
            }
            in_batch += 1;
            if in_batch < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if failed.is_none()
            && rx.is_empty()
            && let Err(e) = out.settle()
        {
            failed = Some(e);
        }
    }
    match failed {
        Some(e) => Err(e),
        None => out.close(written),
    }
}
