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
    this.path = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, exclusive ? 'wx' : 'w');
    // Lines are encoded straight into one buffer (no joining, no copies).
    this.buffer = Buffer.allocUnsafe(Math.max(flushBytes, 64 * 1024));
    this.limit = flushBytes;
    this.used = 0;
    this.written = 0;
  }

  /** Appends one event line (without its newline). */
  add(line) {
    this.written += 1;
    const worst = line.length * 3 + 1;
    if (this.used + worst > this.buffer.length) {
      this.flush();
      if (worst > this.buffer.length) {
        this.writeAll(Buffer.from(line + '\n', 'utf8'));
        return;
      }
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    this.buffer[this.used] = 10;
    this.used += 1;
    if (this.used > this.limit) this.flush();
  }

  writeAll(data, length = data.length) {
    let offset = 0;
    while (offset < length) offset += fs.writeSync(this.fd, data, offset, length - offset);
  }

  /** Writes every buffered line to the file. */
  flush() {
    if (this.fd === null || this.used === 0) return;
    const used = this.used;
    this.used = 0;
    this.writeAll(this.buffer, used);
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
