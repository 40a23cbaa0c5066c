//! `--follow`: tails growing trace files. Each file's bytes are kept as
//! read; only complete lines (up to the last `\n`) are handed to the
//! analysis, so a line the recorder is still writing waits for the rest.
//! The analysis itself is not incremental: each run reads the whole
//! recording so far again (see docs/tui.md), at most one at a time, and
//! growth that arrives meanwhile is taken by the next run.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

/// One followed file.
pub struct Tail {
    /// The name the recording gives the file (its path as given).
    pub name: String,
    path: Option<PathBuf>,
    /// Every byte read so far.
    bytes: Vec<u8>,
    /// The bytes up to and with the last newline.
    complete: usize,
    /// Set when the file shrank: it is no longer followed.
    pub stopped: bool,
}

impl Tail {
    /// A file to follow, nothing read yet.
    pub fn file(path: PathBuf) -> Tail {
        Tail {
            name: path.display().to_string(),
            path: Some(path),
            bytes: Vec::new(),
            complete: 0,
            stopped: false,
        }
    }

    /// A tail fed by hand ([`Tail::feed`]), for tests.
    pub fn named(name: &str) -> Tail {
        Tail {
            name: name.to_string(),
            path: None,
            bytes: Vec::new(),
            complete: 0,
            stopped: false,
        }
    }

    /// Appends bytes as read from the file.
    pub fn feed(&mut self, data: &[u8]) {
        let before = self.bytes.len();
        self.bytes.extend_from_slice(data);
        if let Some(i) = memchr::memrchr(b'\n', data) {
            self.complete = before + i + 1;
        }
    }

    /// The complete lines read so far.
    pub fn lines(&self) -> &[u8] {
        &self.bytes[..self.complete]
    }

    /// Reads what was appended to the file since the last poll. A file
    /// that shrank (truncated or rotated) stops being followed, with a
    /// message saying so; the lines read before it are kept.
    pub fn poll(&mut self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.stopped {
            return Ok(());
        }
        let shown = crate::report::printable(&self.name).into_owned();
        let read = || -> io::Result<Option<Vec<u8>>> {
            let mut file = std::fs::File::open(path)?;
            let len = file.metadata()?.len();
            let have = self.bytes.len() as u64;
            if len < have {
                return Ok(None);
            }
            let mut data = Vec::new();
            if len > have {
                file.seek(SeekFrom::Start(have))?;
                file.take(len - have).read_to_end(&mut data)?;
            }
            Ok(Some(data))
        };
        match read() {
            Ok(Some(data)) => {
                self.feed(&data);
                Ok(())
            }
            Ok(None) => {
                self.stopped = true;
                Err(format!(
                    "{shown} shrank (truncated or rotated): no longer followed; restart to read it again"
                ))
            }
            Err(e) => Err(format!("{shown}: {e}")),
        }
    }
}

/// The followed files and the analysis runs over them.
pub struct Follow {
    pub tails: Vec<Tail>,
    /// Each tail's complete length when the last run started.
    analyzed: Vec<usize>,
    /// A run is going on.
    pub running: bool,
}

impl Follow {
    pub fn new(tails: Vec<Tail>) -> Follow {
        let analyzed = vec![0; tails.len()];
        Follow {
            tails,
            analyzed,
            running: false,
        }
    }

    /// Polls every file; the messages of those that could not be read or
    /// shrank.
    pub fn poll(&mut self) -> Vec<String> {
        self.tails
            .iter_mut()
            .filter_map(|t| t.poll().err())
            .collect()
    }

    /// Complete lines arrived since the last run started.
    pub fn pending(&self) -> bool {
        self.tails
            .iter()
            .zip(&self.analyzed)
            .any(|(t, &a)| t.complete != a)
    }

    /// The inputs of a new run, if none is running and lines arrived: the
    /// complete lines of every file, in order.
    pub fn start(&mut self) -> Option<Vec<(String, Vec<u8>)>> {
        if self.running || !self.pending() {
            return None;
        }
        self.running = true;
        self.analyzed = self.tails.iter().map(|t| t.complete).collect();
        Some(
            self.tails
                .iter()
                .map(|t| (t.name.clone(), t.lines().to_vec()))
                .collect(),
        )
    }

    /// The running run is over.
    pub fn finished(&mut self) {
        self.running = false;
    }
}
