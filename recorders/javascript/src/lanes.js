'use strict';
/**
 * Lines of execution ("lanes"): the `thread` of every event.
 *
 * The main program is `main`. An async function runs on its caller's lane
 * until its first `await`; from then on it is a task of its own
 * (`task-N (name)`), spawned at that `await`. Each timer, immediate,
 * `nextTick`, `queueMicrotask` callback and each promise reaction (`then`,
 * `catch`, `finally`) is a lane of its own. The current lane lives in an
 * AsyncLocalStorage, so callbacks the recorder does not see (I/O
 * completions, event listeners) stay on the lane that registered them.
 *
 * Happens-before between lanes is carried by *positions*: the id of a lane's
 * last event (plus the orderings it has received but not yet written). When
 * a lane starts after something (a timer after the code that set it, an
 * `await` after the promise it waited for), the positions it depends on are
 * kept pending and written, before its next event, as `message_receive`
 * events whose `parent_id` is the event depended on (rule 2 of the format:
 * a parent happens before its child).
 */
const { AsyncLocalStorage } = require('node:async_hooks');

const MAX_PENDING = 64;
const EMPTY = Object.freeze([]);

class Lane {
  constructor(name, baseParent = null) {
    this.name = name;
    /** id of the last event written on this lane */
    this.last = null;
    /** event ids this lane must come after, not yet written */
    this.pending = EMPTY;
    /** open function_entry ids (the parent of the next event) */
    this.stack = [];
    /** parent of events outside any call: what caused the lane */
    this.baseParent = baseParent;
    /** cached JSON of `"service":...,"thread":...` */
    this.head = null;
    /** the trace this lane's events belong to, when not the recording's (a served request's) */
    this.trace = null;
    this.traceText = null;
  }

  /** Where this lane is now: what an event ordered after it must follow. */
  position() {
    if (this.pending.length === 0) return this.last === null ? EMPTY : [this.last];
    return this.last === null ? this.pending.slice() : [this.last, ...this.pending];
  }

  /** Orders this lane's next event after `ids`. */
  after(ids) {
    if (ids.length === 0) return;
    const merged = this.pending === EMPTY ? [] : this.pending;
    for (const id of ids) {
      if (id !== this.last && !merged.includes(id)) merged.push(id);
    }
    if (merged.length > MAX_PENDING) merged.splice(0, merged.length - MAX_PENDING);
    this.pending = merged.length === 0 ? EMPTY : merged;
  }

  /** The parent of the next event on this lane. */
  parent() {
    const stack = this.stack;
    return stack.length > 0 ? stack[stack.length - 1] : this.baseParent;
  }
}

const storage = new AsyncLocalStorage();
const MAIN = new Lane('main');
const counters = new Map();
let prefix = '';

/** Names every lane of this thread `PREFIXname` (a worker's `worker-N/`). */
function setPrefix(text) {
  prefix = text;
  MAIN.name = `${text}main`;
  MAIN.head = null;
}

/** The lane running now. */
function currentLane() {
  return storage.getStore() || MAIN;
}

/** A fresh lane named `prefix-N` (numbered per prefix). */
function newLane(kind, suffix, baseParent) {
  const n = (counters.get(kind) || 0) + 1;
  counters.set(kind, n);
  const lane = new Lane(suffix ? `${prefix}${kind}-${n} (${suffix})` : `${prefix}${kind}-${n}`, baseParent);
  // What a served request starts stays in the caller's trace.
  lane.trace = currentLane().trace;
  return lane;
}

/** Runs `fn` on `lane` (and everything it schedules, unless told otherwise). */
function runOn(lane, fn, self, args) {
  return storage.run(lane, () => fn.apply(self, args));
}

/** Makes `lane` current for the rest of this synchronous run (after an await). */
function enter(lane) {
  if (storage.getStore() !== lane) storage.enterWith(lane);
}

/** Forgets numbering and the main lane's state (a new recording). */
function resetLanes() {
  counters.clear();
  MAIN.last = null;
  MAIN.pending = EMPTY;
  MAIN.stack = [];
  MAIN.head = null;
}

module.exports = { Lane, MAIN, EMPTY, currentLane, newLane, runOn, enter, resetLanes, setPrefix };
