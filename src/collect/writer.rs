//! The writer thread: batches of accepted events from the HTTP handlers,
//! through a bounded channel, into one JSON Lines file per service under
//! the output directory, in arrival order.
//!
//! Files are `SERVICE-NNNN.jsonl`; a file that reaches the rotation size is
//! closed and the next number opened. A new run never appends to an old
//! file (whose last line may be cut short by a `kill -9`): it starts at the
//! next free number. fsync policy: every batch is written through to the
//! operating system before the next is taken, and files are fsynced when
//! they rotate and when the collector stops. A `kill -9` loses the batches
//! still queued (at most `--max-memory` bytes; `/metrics` shows the queue)
//! and leaves files that `analyze` reads; a machine crash can also lose what
//! the operating system had not yet put on disk since the last sync.

use super::Metrics;
use super::accept::Accepted;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

struct Open {
    file: BufWriter<File>,
    written: u64,
}

/// Writes what arrives on `batches` until every sender is gone, then syncs.
pub(super) fn run(
    dir: PathBuf,
    rotate: u64,
    batches: Receiver<Vec<Accepted>>,
    metrics: Arc<Metrics>,
) -> io::Result<()> {
    let mut files: HashMap<String, Open> = HashMap::new();
    while let Ok(batch) = batches.recv() {
        let bytes: u64 = batch.iter().map(Accepted::held_bytes).sum();
        let count = batch.len() as u64;
        for event in batch {
            let name = file_stem(&event.service);
            if files.get(&name).is_some_and(|open| {
                open.written > 0 && open.written + event.line.len() as u64 >= rotate
            }) && let Some(full) = files.remove(&name)
            {
                close(full)?;
            }
            let open = match files.get_mut(&name) {
                Some(open) => open,
                None => files.entry(name.clone()).or_insert(Open {
                    file: BufWriter::with_capacity(1 << 20, next_file(&dir, &name)?),
                    written: 0,
                }),
            };
            open.file.write_all(&event.line)?;
            open.file.write_all(b"\n")?;
            open.written += event.line.len() as u64 + 1;
        }
        for open in files.values_mut() {
            open.file.flush()?;
        }
        metrics.written.fetch_add(count, Ordering::Relaxed);
        metrics.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
        metrics.queued_batches.fetch_sub(1, Ordering::Relaxed);
    }
    for (_, open) in files.drain() {
        close(open)?;
    }
    Ok(())
}

fn close(open: Open) -> io::Result<()> {
    let file = open.file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// A file name from a service name, which is trace data: only ASCII
/// letters, digits, `.`, `_` and `-` are kept, and a name that had to be
/// changed gets a hash of the original, so two services never share a file.
pub(super) fn file_stem(service: &str) -> String {
    let clean: String = service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if clean == service && !clean.is_empty() {
        clean
    } else {
        format!("{clean}~{:08x}", crate::model::hash_str(service) as u32)
    }
}

/// Opens `STEM-NNNN.jsonl` with the first number no file in `dir` has.
fn next_file(dir: &Path, stem: &str) -> io::Result<File> {
    for n in 0..10_000u32 {
        let path = dir.join(format!("{stem}-{n:04}.jsonl"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok(file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: 10000 files of service `{stem}` already",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_become_safe_distinct_file_names() {
        assert_eq!(file_stem("shop-api_2"), "shop-api_2");
        let dotted = file_stem("../../etc/passwd");
        assert!(!dotted.contains('/') && !dotted.contains(".."), "{dotted}");
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert_ne!(file_stem(""), "");
    }

    #[test]
    fn batches_are_written_rotated_and_never_appended_to_old_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shop-0000.jsonl"), "old\n").unwrap();
        let metrics = Arc::new(Metrics::default());
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let line = |n: usize| Accepted {
            service: "shop".into(),
            line: format!("{{\"n\":{n}}}").into_bytes(),
        };
        for chunk in 0..3 {
            metrics.queued_batches.fetch_add(1, Ordering::Relaxed);
            tx.send((0..4).map(|i| line(chunk * 4 + i)).collect())
                .unwrap();
        }
        drop(tx);
        run(dir.path().to_path_buf(), 40, rx, Arc::clone(&metrics)).unwrap();
        assert_eq!(metrics.written.load(Ordering::Relaxed), 12);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert!(names.len() > 2, "rotated: {names:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("shop-0000.jsonl")).unwrap(),
            "old\n"
        );
        let all: String = names[1..]
            .iter()
            .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
            .collect();
        let expected: String = (0..12).map(|n| format!("{{\"n\":{n}}}\n")).collect();
        assert_eq!(all, expected, "arrival order, nothing lost");
    }
}
