//! Reading an input file into memory: decompression by magic bytes (gzip,
//! zstd, or plain) and splitting into numbered lines.

use std::io::Read;
use std::path::Path;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A file's decompressed bytes, and a note if decompression stopped early.
pub struct FileBytes {
    pub bytes: Vec<u8>,
    /// Set when the compressed stream was cut or corrupt: the bytes decoded
    /// before that point are kept.
    pub decode_problem: Option<String>,
}

/// Reads a file and decompresses it if it starts with gzip or zstd magic.
pub fn read_file(path: &Path) -> std::io::Result<FileBytes> {
    let raw = std::fs::read(path)?;
    Ok(decode(raw))
}

/// Decompresses `raw` according to its magic bytes.
pub fn decode(raw: Vec<u8>) -> FileBytes {
    if raw.starts_with(&GZIP_MAGIC) {
        let decoder = flate2::read::MultiGzDecoder::new(&raw[..]);
        read_all(decoder, "gzip")
    } else if raw.starts_with(&ZSTD_MAGIC) {
        match zstd::stream::read::Decoder::new(&raw[..]) {
            Ok(decoder) => read_all(decoder, "zstd"),
            Err(e) => FileBytes {
                bytes: Vec::new(),
                decode_problem: Some(format!("zstd data could not be decoded: {e}")),
            },
        }
    } else {
        FileBytes {
            bytes: raw,
            decode_problem: None,
        }
    }
}

/// Reads until the end or the first error, keeping what was decoded.
fn read_all(mut reader: impl Read, format: &str) -> FileBytes {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => {
                return FileBytes {
                    bytes,
                    decode_problem: None,
                };
            }
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return FileBytes {
                    decode_problem: Some(format!(
                        "{format} data ends early or is corrupt after {} decoded bytes: {e}",
                        bytes.len()
                    )),
                    bytes,
                };
            }
        }
    }
}

/// A non-blank line of a file.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u32,
    pub text: &'a [u8],
    /// The file's last line with no newline after it.
    pub unterminated: bool,
}

/// Splits bytes into non-blank lines, with a UTF-8 byte order mark and `\r`
/// line ends removed.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let ends_with_newline = bytes.ends_with(b"\n");
    let mut pieces = bytes.split(|&b| b == b'\n').peekable();
    let mut number = 0u32;
    std::iter::from_fn(move || {
        loop {
            let piece = pieces.next()?;
            number += 1;
            let is_last = pieces.peek().is_none();
            let text = piece.strip_suffix(b"\r").unwrap_or(piece);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Line {
                number,
                text,
                unterminated: is_last && !ends_with_newline,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_are_numbered_and_blank_ones_skipped() {
        let text = b"a\n\n  \nb\r\nc";
        let got: Vec<_> = lines(text)
            .map(|l| (l.number, l.text.to_vec(), l.unterminated))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, b"a".to_vec(), false),
                (4, b"b".to_vec(), false),
                (5, b"c".to_vec(), true)
            ]
        );
        assert!(lines(b"a\n").all(|l| !l.unterminated));
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
