//! Reading input files as a stream of chunks of whole lines, decompressed by
//! magic bytes (gzip, zstd, or plain), and reading single lines again later
//! by byte offset, so that nothing holds the whole input in memory.

use crate::model::LineSource;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// How much decompressed input is parsed at a time.
pub const CHUNK_BYTES: usize = 1 << 20;

/// How a file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Recognizes a stream by its first bytes.
    pub fn of(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Wraps a reader in the decoder its first bytes call for.
fn decoder<'a, R: BufRead + Send + 'a>(
    mut reader: R,
) -> io::Result<(Box<dyn Read + Send + 'a>, Compression)> {
    let compression = Compression::of(reader.fill_buf()?);
    let decoded: Box<dyn Read + Send + 'a> = match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
    };
    Ok((decoded, compression))
}

/// Counts the bytes read through it, for progress on the file as stored.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An input file opened for streaming: its decompressed bytes, the count of
/// stored bytes read so far, and a way to read its lines again.
pub struct OpenedFile {
    pub reader: Box<dyn Read + Send>,
    pub stored_bytes_read: Arc<AtomicU64>,
    pub lines: Box<dyn LineSource>,
}

/// Opens a file for streaming.
pub fn open_file(path: &Path) -> io::Result<OpenedFile> {
    let count = Arc::new(AtomicU64::new(0));
    let file = Counting {
        inner: File::open(path)?,
        count: Arc::clone(&count),
    };
    let (reader, compression) = decoder(BufReader::with_capacity(1 << 16, file))?;
    Ok(OpenedFile {
        reader,
        stored_bytes_read: count,
        lines: Box::new(FileLines {
            path: path.to_path_buf(),
            compression,
        }),
    })
}

/// Decompresses a whole in-memory input, keeping what decoded before any
/// error.
pub fn decode(raw: Vec<u8>) -> FileBytes {
    let compression = Compression::of(&raw);
    if compression == Compression::None {
        return FileBytes {
            bytes: raw,
            decode_problem: None,
        };
    }
    let mut bytes = Vec::new();
    let problem = match decoder(&raw[..]) {
        Ok((mut reader, _)) => read_to_end_or_error(&mut reader, &mut bytes),
        Err(e) => Some(e),
    };
    FileBytes {
        bytes,
        decode_problem: problem.map(|e| describe_decode_error(compression, &e)),
    }
}

/// Decoded bytes of an in-memory input.
pub struct FileBytes {
    pub bytes: Vec<u8>,
    pub decode_problem: Option<String>,
}

fn read_to_end_or_error(reader: &mut dyn Read, out: &mut Vec<u8>) -> Option<io::Error> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Some(e),
        }
    }
}

fn describe_decode_error(compression: Compression, error: &io::Error) -> String {
    format!(
        "{} data ends early or is corrupt: {error}; the lines decoded before that point are analyzed",
        compression.name()
    )
}

/// Decompressed input cut at line ends.
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// Offset of `bytes[0]` in the decompressed stream.
    pub offset: u64,
    /// Line number of the first line in `bytes`.
    pub first_line: u32,
    /// No input follows this chunk.
    pub last: bool,
}

/// Splits a decompressed stream into chunks of whole lines.
pub struct Chunks<R> {
    reader: R,
    carry: Vec<u8>,
    offset: u64,
    next_line: u32,
    done: bool,
    started: bool,
    /// Buffers of consumed chunks, to be filled again.
    spare: Vec<Vec<u8>>,
    /// Set when the stream failed (a cut or corrupt compressed file): the
    /// chunks before that point are still given.
    pub problem: Option<io::Error>,
}

impl<R: Read> Chunks<R> {
    pub fn new(reader: R) -> Self {
        Chunks {
            reader,
            carry: Vec::new(),
            offset: 0,
            next_line: 1,
            done: false,
            started: false,
            spare: Vec::new(),
            problem: None,
        }
    }

    /// Reads until `carry` holds `want` bytes or the stream ends.
    fn fill(&mut self, want: usize) {
        if self.done || self.carry.len() >= want {
            return;
        }
        let missing = (want - self.carry.len()) as u64;
        // `read_to_end` appends without zeroing the buffer first, and keeps
        // what it read before an error.
        match (&mut self.reader)
            .take(missing)
            .read_to_end(&mut self.carry)
        {
            Ok(read) if (read as u64) < missing => self.done = true,
            Ok(_) => {}
            Err(e) => {
                self.problem = Some(e);
                self.done = true;
            }
        }
    }

    /// Gives back the buffer of a consumed chunk, to be reused.
    pub fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < 4 {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    pub fn next_chunk(&mut self) -> Option<Chunk> {
        let mut want = CHUNK_BYTES;
        self.fill(want);
        if !self.started {
            self.started = true;
            if self.carry.starts_with(BYTE_ORDER_MARK) {
                self.carry.drain(..BYTE_ORDER_MARK.len());
                self.offset += BYTE_ORDER_MARK.len() as u64;
            }
        }
        if self.carry.is_empty() && self.done {
            return None;
        }
        let cut = loop {
            if self.done {
                break self.carry.len();
            }
            match memchr::memrchr(b'\n', &self.carry) {
                Some(end) => break end + 1,
                None => {
                    // One line longer than a chunk: read on until it ends.
                    want = self.carry.len() * 2;
                    self.fill(want);
                }
            }
        };
        let mut rest = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(CHUNK_BYTES));
        rest.extend_from_slice(&self.carry[cut..]);
        self.carry.truncate(cut);
        let bytes = std::mem::replace(&mut self.carry, rest);
        let chunk = Chunk {
            offset: self.offset,
            first_line: self.next_line,
            last: self.done && self.carry.is_empty(),
            bytes,
        };
        self.offset += chunk.bytes.len() as u64;
        let newlines = memchr::memchr_iter(b'\n', &chunk.bytes).count();
        self.next_line = self.next_line.saturating_add(newlines as u32);
        Some(chunk)
    }
}

/// A non-blank line of a chunk.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u32,
    pub text: &'a [u8],
    /// Offset of the line in the decompressed stream.
    pub offset: u64,
    /// The input's last line, with no newline after it.
    pub unterminated: bool,
}

/// The non-blank lines of a chunk, with `\r` line ends removed.
pub fn lines(chunk: &Chunk) -> impl Iterator<Item = Line<'_>> {
    let bytes = &chunk.bytes[..];
    let mut start = 0usize;
    let mut number = chunk.first_line;
    std::iter::from_fn(move || {
        while start < bytes.len() {
            let (end, next, terminated) = match memchr::memchr(b'\n', &bytes[start..]) {
                Some(i) => (start + i, start + i + 1, true),
                None => (bytes.len(), bytes.len(), false),
            };
            let raw = &bytes[start..end];
            let line = Line {
                number,
                text: raw.strip_suffix(b"\r").unwrap_or(raw),
                offset: chunk.offset + start as u64,
                unterminated: !terminated && chunk.last,
            };
            start = next;
            number = number.saturating_add(1);
            if !line.text.iter().all(u8::is_ascii_whitespace) {
                return Some(line);
            }
        }
        None
    })
}

/// Lines of a file on disk, read again by offset.
struct FileLines {
    path: PathBuf,
    compression: Compression,
}

impl LineSource for FileLines {
    fn read_lines(&self, offsets: &[u64]) -> Vec<Option<Vec<u8>>> {
        let read = || -> io::Result<Vec<Option<Vec<u8>>>> {
            let file = File::open(&self.path)?;
            let mut found = Vec::with_capacity(offsets.len());
            if self.compression == Compression::None {
                let mut reader = BufReader::new(file);
                for &offset in offsets {
                    reader.seek(SeekFrom::Start(offset))?;
                    found.push(read_line(&mut reader));
                }
            } else {
                // A compressed stream cannot seek: decode it once, front to
                // back, stopping at each wanted offset in turn.
                let (decoded, _) = decoder(BufReader::new(file))?;
                let mut reader = BufReader::new(decoded);
                let mut position = 0u64;
                for &offset in offsets {
                    if offset < position {
                        found.push(None);
                        continue;
                    }
                    io::copy(&mut (&mut reader).take(offset - position), &mut io::sink())?;
                    let line = read_line(&mut reader);
                    position = offset + line.as_ref().map_or(0, |l| l.len() as u64 + 1);
                    found.push(line);
                }
            }
            Ok(found)
        };
        read().unwrap_or_else(|_| vec![None; offsets.len()])
    }
}

fn read_line(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).ok()?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Some(line)
}

/// Lines of an input held in memory.
pub struct MemoryLines(pub Arc<Vec<u8>>);

impl LineSource for MemoryLines {
    fn read_lines(&self, offsets: &[u64]) -> Vec<Option<Vec<u8>>> {
        offsets
            .iter()
            .map(|&offset| {
                let rest = self.0.get(usize::try_from(offset).ok()?..)?;
                let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                Some(rest[..end].to_vec())
            })
            .collect()
    }
}

/// Shared bytes that can be read with a cursor.
pub struct SharedBytes(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn all_lines(bytes: &[u8], chunk_size: usize) -> Vec<(u32, Vec<u8>, u64, bool)> {
        let mut chunks = Chunks::new(bytes);
        let mut found = Vec::new();
        while let Some(chunk) = chunks.next_chunk() {
            assert!(chunk.bytes.len() <= chunk_size.max(bytes.len()));
            found.extend(
                lines(&chunk).map(|l| (l.number, l.text.to_vec(), l.offset, l.unterminated)),
            );
        }
        found
    }

    #[test]
    fn lines_are_numbered_and_blank_ones_skipped() {
        let text = b"a\n\n  \nb\r\nc";
        let got: Vec<_> = all_lines(text, CHUNK_BYTES)
            .into_iter()
            .map(|(n, t, _, u)| (n, t, u))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, b"a".to_vec(), false),
                (4, b"b".to_vec(), false),
                (5, b"c".to_vec(), true)
            ]
        );
        assert!(all_lines(b"a\n", CHUNK_BYTES).iter().all(|l| !l.3));
    }

    #[test]
    fn offsets_point_at_line_starts_after_a_byte_order_mark() {
        let text = b"\xEF\xBB\xBFab\ncd\n";
        let got = all_lines(text, CHUNK_BYTES);
        assert_eq!(got[0].1, b"ab");
        assert_eq!(got[0].2, 3);
        assert_eq!(got[1].2, 6);
        let source = MemoryLines(Arc::new(text.to_vec()));
        assert_eq!(
            source.read_lines(&[3, 6, 99]),
            vec![Some(b"ab".to_vec()), Some(b"cd".to_vec()), None]
        );
    }

    #[test]
    fn chunks_cut_at_line_ends_and_keep_numbering() {
        // Lines longer than a chunk and many chunks: compare with one pass.
        let mut text = Vec::new();
        for i in 0..200_000u32 {
            text.extend_from_slice(
                format!("line {i} {}\n", "x".repeat((i % 97) as usize)).as_bytes(),
            );
        }
        text.extend_from_slice(&vec![b'y'; CHUNK_BYTES * 2 + 5]);
        text.extend_from_slice(b"\nlast");
        let got = all_lines(&text, CHUNK_BYTES * 3);
        assert_eq!(got.len(), 200_002);
        assert_eq!(got[123_456].0, 123_457);
        assert!(got[123_456].1.starts_with(b"line 123456 "));
        let offset = got[123_456].2 as usize;
        assert!(text[offset..].starts_with(b"line 123456 "));
        assert_eq!(
            got[200_001],
            (200_002, b"last".to_vec(), (text.len() - 4) as u64, true)
        );
    }

    #[test]
    fn gzip_and_zstd_are_detected_by_magic() {
        let plain = b"{\"a\":1}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::stream::encode_all(&plain[..], 3).unwrap();
        for input in [plain.clone(), gz, zst] {
            let decoded = decode(input);
            assert_eq!(decoded.bytes, plain);
            assert!(decoded.decode_problem.is_none());
        }
    }

    #[test]
    fn a_cut_gzip_stream_keeps_what_was_decoded() {
        let plain: Vec<u8> = (0..2000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let mut gz = gz.finish().unwrap();
        gz.truncate(gz.len() / 2);
        let decoded = decode(gz);
        assert!(decoded.decode_problem.is_some());
        assert!(plain.starts_with(&decoded.bytes));
    }
}
