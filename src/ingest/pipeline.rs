//! Reading and parsing overlap with building: a reader thread cuts the input
//! into chunks of whole lines and parses each chunk's lines in parallel
//! (rayon), while the calling thread adds the previous chunks' events, in
//! file order, to the builder. Building is the serial part of ingest; this
//! way it runs while the other cores parse.

use super::jsonl::{self, LineError, ParsedEvent};
use super::source::{Chunk, Chunks, Line, lines};
use rayon::prelude::*;
use std::io::Read;

/// A chunk's lines, each with its parse.
pub(super) type ParsedLines<'a> = Vec<(Line<'a>, Result<ParsedEvent<'a>, LineError>)>;

self_cell::self_cell!(
    /// A chunk with its lines parsed; the parsed events borrow from it.
    struct ParsedChunk {
        owner: Chunk,
        #[covariant]
        dependent: ParsedLines,
    }
);

/// How many parsed chunks may wait for the builder.
const QUEUE: usize = 2;

/// Parses a chunk's non-blank lines in parallel, in order.
fn parse(chunk: &Chunk) -> ParsedLines<'_> {
    let batch: Vec<Line<'_>> = lines(chunk).collect();
    // One UTF-8 check for the whole chunk instead of one per string.
    let text = std::str::from_utf8(&chunk.bytes).ok();
    batch
        .into_par_iter()
        .map(|line| {
            let start = (line.offset - chunk.offset) as usize;
            let parsed = match text.and_then(|t| t.get(start..start + line.text.len())) {
                Some(text) => jsonl::parse_text(text),
                None => jsonl::parse_line(line.text),
            };
            (line, parsed)
        })
        .collect()
}

/// Calls `consume` with each chunk of `reader` and its parsed lines, in
/// order, while the following chunks are read and parsed on another thread.
/// Returns the error that ended the stream early, if one did.
pub(super) fn for_each_parsed(
    reader: Box<dyn Read + Send>,
    mut consume: impl FnMut(&Chunk, ParsedLines<'_>),
) -> Option<std::io::Error> {
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<ParsedChunk>(QUEUE);
        // Consumed chunks' buffers go back to the reader: allocating a fresh
        // megabyte per chunk costs page faults.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader_thread = scope.spawn(move || {
            let mut chunks = Chunks::new(reader);
            loop {
                while let Ok(buffer) = recycled.try_recv() {
                    chunks.recycle(buffer);
                }
                let Some(chunk) = chunks.next_chunk() else {
                    break;
                };
                if sender.send(ParsedChunk::new(chunk, parse)).is_err() {
                    break;
                }
            }
            chunks.problem
        });
        for mut parsed in receiver {
            parsed.with_dependent_mut(|chunk, lines| consume(chunk, std::mem::take(lines)));
            // The reader may be gone already; then the buffer is just freed.
            let _ = recycle.send(parsed.into_owner().bytes);
        }
        match reader_thread.join() {
            Ok(problem) => problem,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
