'use strict';
/**
 * The trace writer: whole JSON lines, buffered, written synchronously.
 *
 * Nothing is ever dropped: when the buffer is full it is written out right
 * away (the program waits for the disk, it does not lose events). Writes are
 * synchronous so that a flush at exit, on a signal or on an uncaught
 * exception completes before the process ends; a crash in the middle of a
 * write leaves at most a truncated last line, which readers report and skip.
 */
const fs = require('node:fs');
const path = require('node:path');

const FLUSH_BYTES = 1 << 20;

class TraceWriter {
  /**
   * Opens (truncates) `file`, creating its directory; `flushBytes` 0 writes
   * every event through; `exclusive` fails (EEXIST) if the file exists.
   */
  constructor(file, flushBytes = FLUSH_BYTES, exclusive = false) {
    this.flushBytes = flushBytes;
    this.path = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, exclusive ? 'wx' : 'w');
    this.lines = [];
    this.size = 0;
    this.written = 0;
  }

  /** Appends one event line (without its newline). */
  add(line) {
    this.lines.push(line);
    this.size += line.length;
    this.written += 1;
    if (this.size >= this.flushBytes) this.flush();
  }

  /** Writes every buffered line to the file. */
  flush() {
    if (this.fd === null || this.lines.length === 0) return;
    const data = Buffer.from(this.lines.join('\n') + '\n', 'utf8');
    this.lines = [];
    this.size = 0;
    let offset = 0;
    while (offset < data.length) {
      offset += fs.writeSync(this.fd, data, offset, data.length - offset);
    }
  }

  /** Flushes and closes; later events are ignored. */
  close() {
    if (this.fd === null) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

module.exports = { TraceWriter };
