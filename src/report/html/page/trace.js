// The trace data block decoded into typed arrays, with what the views
// derive from it: lanes in program order, edge lists both ways,
// happens-before ranks, a step order for the time-travel cursor, variables,
// calls, and causal pasts and futures as vector clocks.
//
// Happens-before follows the format's rules as the analyzer does: program
// order on each lane plus the sync edges of the block (parent, spawn, join,
// lock, message). `a` happens before `b` iff `a` is in `b`'s causal past.

/**
 * @typedef {Object} TraceData
 * @property {string} format
 * @property {number} version
 * @property {string[]} strings
 * @property {string[]} kinds
 * @property {string[]} edge_kinds
 * @property {number[]} files
 * @property {{file: number[], service: number[], thread: number[]}} lanes
 * @property {string} t0
 * @property {{kf: number[], lane: number[], ts: number[], parent: number[], trace: number[], subject: number[], function: number[], location: number[], line: number[], value: number[], meta: number[], id: number[]}} events
 * @property {{from: number[], to: number[], kind: number[]}} edges
 * @property {{entry: number[], exit: number[], caller: number[]}} calls
 * @property {Record<string, number>} refs
 * @property {string} clocks
 * @property {string[]} omitted
 */

/** Pasts and futures kept per direction. */
const CLOCK_CACHE = 64;

/**
 * Keeps a result in a small least-recently-added cache. Callers must not
 * change what they get back.
 * @param {Map<number, Int32Array>} cache @param {number} key @param {Int32Array} value
 */
function remember(cache, key, value) {
  if (cache.size >= CLOCK_CACHE) cache.delete(/** @type {number} */ (cache.keys().next().value));
  cache.set(key, value);
}

const KIND = {
  ENTRY: 0, EXIT: 1, SPAWN: 2, AWAIT: 3, READ: 4, WRITE: 5, ACQUIRE: 6, RELEASE: 7,
  SEND: 8, RECEIVE: 9, HTTP_REQUEST: 10, HTTP_RESPONSE: 11, DB: 12, ERROR: 13, CUSTOM: 14,
};

/** @typedef {{start: Int32Array, list: Int32Array, other: Int32Array}} EdgeIndex */

class Trace {
  // Filled by the build steps of the constructor.
  /** Lane starts in `laneList` (CSR). */
  laneStart = new Int32Array(1);
  /** Events of every lane, lane after lane, in program order. */
  laneList = new Int32Array(0);
  /** Each event's position on its lane (0-based). */
  pos = new Int32Array(0);
  edgeFrom = new Int32Array(0);
  edgeTo = new Int32Array(0);
  edgeKind = new Uint8Array(0);
  /** Edges into each event. @type {EdgeIndex} */
  incoming = { start: new Int32Array(1), list: new Int32Array(0), other: new Int32Array(0) };
  /** Edges out of each event. @type {EdgeIndex} */
  outgoing = { start: new Int32Array(1), list: new Int32Array(0), other: new Int32Array(0) };
  rank = new Int32Array(0);
  collapsedRank = new Int32Array(0);
  maxRank = 0;
  /** Events in cursor order. */
  order = new Int32Array(0);
  /** Each event's place in cursor order. */
  step = new Int32Array(0);
  /** Each access's variable (-1: not an access). */
  varOf = new Int32Array(0);
  /** @type {{name: string, service: string | null, accesses: number[], writes: number[]}[]} */
  vars = [];
  callEntry = new Int32Array(0);
  callExit = new Int32Array(0);
  callCaller = new Int32Array(0);
  /** The call each entry starts (-1: not an entry). */
  callOfEntry = new Int32Array(0);
  /** Each event's innermost open call on its lane (-1: none). */
  owner = new Int32Array(0);
  /** Lock events of each lane, in program order (built when first asked). @type {number[][] | null} */
  lockEvents = null;
  /** Children by parent (CSR, built when first asked). @type {{start: Int32Array, list: Int32Array} | null} */
  childIndex = null;
  /** Recent causal pasts and futures (each a walk over the trace), by event. @type {Map<number, Int32Array>} */
  pastCache = new Map();
  /** @type {Map<number, Int32Array>} */
  futureCache = new Map();

  /** @param {TraceData} d */
  constructor(d) {
    if (!d || d.format !== "causeway-html-data" || d.version !== 1) {
      throw new Error("unknown trace data block");
    }
    this.data = d;
    this.strings = d.strings;
    const ev = d.events;
    const n = ev.kf.length;
    this.n = n;
    this.kind = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.lane = Int32Array.from(ev.lane);
    this.ts = new Float64Array(n);
    this.parent = new Int32Array(n);
    this.line = new Int32Array(n);
    let t = 0;
    let line = 0;
    for (let i = 0; i < n; i++) {
      this.kind[i] = ev.kf[i] & 15;
      this.flags[i] = ev.kf[i] >> 4;
      t += ev.ts[i];
      this.ts[i] = t;
      this.parent[i] = ev.parent[i] === 0 ? -1 : i - ev.parent[i];
      line += ev.line[i];
      this.line[i] = line;
    }
    this.t0 = d.t0;
    this.laneCount = d.lanes.service.length;
    this.buildLanes();
    this.buildEdges();
    this.buildRanks();
    this.buildOrder();
    this.buildVariables();
    this.buildCalls();
    /** @type {Map<string, number>} */
    this.byId = new Map(Object.entries(d.refs));
    if (ev.id.length === n) for (let i = 0; i < n; i++) this.byId.set(d.strings[ev.id[i]], i);
  }

  /** @param {number} e */
  str(e) { return this.strings[e]; }
  /** @param {number} e */
  kindName(e) { return this.data.kinds[this.kind[e]]; }
  /** @param {number} e @returns {string | null} */
  subject(e) { const s = this.data.events.subject[e]; return s ? this.strings[s - 1] : null; }
  /** @param {number} e @returns {string | null} */
  func(e) { const s = this.data.events.function[e]; return s ? this.strings[s - 1] : null; }
  /** @param {number} e */
  location(e) { return this.strings[this.data.events.location[e]]; }
  /** @param {number} e */
  traceId(e) { return this.strings[this.data.events.trace[e]]; }
  /** The trace's string index (equal for events of one trace). @param {number} e */
  traceOf(e) { return this.data.events.trace[e]; }

  /**
   * Traces by number of events, largest first, at most `max` of them (as
   * string indexes).
   * @param {number} max
   * @returns {{trace: number, events: number}[]}
   */
  largestTraces(max) {
    /** @type {Map<number, number>} */
    const counts = new Map();
    const col = this.data.events.trace;
    for (let e = 0; e < this.n; e++) counts.set(col[e], (counts.get(col[e]) ?? 0) + 1);
    return [...counts].map(([trace, events]) => ({ trace, events }))
      .sort((a, b) => b.events - a.events || a.trace - b.trace).slice(0, max);
  }
  /** @param {number} e @returns {string | null} */
  value(e) { const s = this.data.events.value[e]; return s ? this.strings[s - 1] : null; }
  /** @param {number} e @returns {any} */
  meta(e) {
    const s = this.data.events.meta[e];
    return s ? JSON.parse(this.strings[s - 1]) : null;
  }
  /** @param {number} e @returns {string | null} */
  id(e) { const ids = this.data.events.id; return ids.length ? this.strings[ids[e]] : null; }
  /** @param {number} e */
  file(e) { return this.strings[this.data.files[this.data.lanes.file[this.lane[e]]]]; }
  /** @param {number} l */
  laneName(l) {
    const d = this.data.lanes;
    const name = `${this.strings[d.service[l]]} / ${this.strings[d.thread[l]]}`;
    return this.data.files.length > 1 ? `${name} (${this.strings[this.data.files[d.file[l]]]})` : name;
  }
  /** @param {number} e */
  isAccess(e) { return this.kind[e] === KIND.READ || this.kind[e] === KIND.WRITE; }
  /** @param {number} e */
  isWrite(e) { return this.kind[e] === KIND.WRITE; }
  /** @param {number} e */
  isAtomic(e) { return (this.flags[e] & 1) !== 0; }
  /** @param {number} e */
  isError(e) { return this.kind[e] === KIND.ERROR || (this.kind[e] === KIND.EXIT && (this.flags[e] & 4) !== 0); }

  /** A one-line description of an event. @param {number} e */
  label(e) {
    const f = this.func(e);
    const s = this.subject(e);
    switch (this.kind[e]) {
      case KIND.ENTRY: return `call ${f ?? "?"}`;
      case KIND.EXIT: return `${(this.flags[e] & 4) ? "raise from" : "return from"} ${f ?? "?"}`;
      case KIND.READ: return `read ${s} = ${clip(this.value(e) ?? "?", 40)}`;
      case KIND.WRITE: return `${this.isAtomic(e) ? "atomic write" : "write"} ${s} = ${clip(this.value(e) ?? "?", 40)}`;
      case KIND.ACQUIRE: return `acquire ${s}`;
      case KIND.RELEASE: return `release ${s}`;
      case KIND.SPAWN: return `spawn ${s}`;
      case KIND.AWAIT: return `await ${s}`;
      case KIND.SEND: return `send ${s}`;
      case KIND.RECEIVE: return `receive ${s}`;
      default: return `${this.kindName(e)}${f ? ` in ${f}` : ""}`;
    }
  }

  /** Events of each lane in program order (CSR) and each event's position. */
  buildLanes() {
    const n = this.n, L = this.laneCount;
    const count = new Int32Array(L + 1);
    for (let i = 0; i < n; i++) count[this.lane[i] + 1]++;
    for (let l = 0; l < L; l++) count[l + 1] += count[l];
    this.laneStart = count;
    this.laneList = new Int32Array(n);
    this.pos = new Int32Array(n);
    const fillAt = count.slice(0, L);
    for (let i = 0; i < n; i++) {
      const l = this.lane[i];
      this.pos[i] = fillAt[l] - count[l];
      this.laneList[fillAt[l]++] = i;
    }
  }

  /** @param {number} l */
  laneLength(l) { return this.laneStart[l + 1] - this.laneStart[l]; }
  /** @param {number} l @param {number} p */
  at(l, p) { return this.laneList[this.laneStart[l] + p]; }

  buildEdges() {
    const n = this.n, d = this.data.edges;
    const m = d.from.length;
    this.edgeFrom = Int32Array.from(d.from);
    this.edgeTo = Int32Array.from(d.to);
    this.edgeKind = Uint8Array.from(d.kind);
    const csr = (/** @type {Int32Array} */ key, /** @type {Int32Array} */ other) => {
      const start = new Int32Array(n + 1);
      for (let i = 0; i < m; i++) start[key[i] + 1]++;
      for (let i = 0; i < n; i++) start[i + 1] += start[i];
      const list = new Int32Array(m);
      const at = start.slice(0, n);
      for (let i = 0; i < m; i++) list[at[key[i]]++] = i;
      return { start, list, other };
    };
    this.incoming = csr(this.edgeTo, this.edgeFrom);
    this.outgoing = csr(this.edgeFrom, this.edgeTo);
  }

  /**
   * Happens-before rank: 1 + the longest chain of predecessors (Kahn's
   * order). `collapsed` gives a run of local events (no cross-lane edge, not
   * named by a finding) one rank.
   */
  buildRanks() {
    const n = this.n;
    const indeg = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      indeg[i] = (this.pos[i] > 0 ? 1 : 0) + this.incoming.start[i + 1] - this.incoming.start[i];
    }
    const rank = new Int32Array(n);
    const collapsed = new Int32Array(n);
    const named = new Uint8Array(n);
    for (const e of Object.values(this.data.refs)) named[e] = 1;
    const local = (/** @type {number} */ e) => !named[e] && this.incoming.start[e + 1] === this.incoming.start[e]
      && this.outgoing.start[e + 1] === this.outgoing.start[e] && !this.isError(e);
    const queue = new Int32Array(n);
    let head = 0, tail = 0;
    for (let i = 0; i < n; i++) if (indeg[i] === 0) queue[tail++] = i;
    const done = new Uint8Array(n);
    const visit = (/** @type {number} */ e) => {
      done[e] = 1;
      let r = 0, c = 0;
      const p = this.pos[e];
      const prev = p > 0 ? this.at(this.lane[e], p - 1) : -1;
      if (prev >= 0 && done[prev]) { r = rank[prev]; c = collapsed[prev]; }
      for (let k = this.incoming.start[e]; k < this.incoming.start[e + 1]; k++) {
        const s = this.edgeFrom[this.incoming.list[k]];
        if (!done[s]) continue;
        if (rank[s] > r) r = rank[s];
        if (collapsed[s] > c) c = collapsed[s];
      }
      rank[e] = r + 1;
      collapsed[e] = prev >= 0 && done[prev] && local(e) && local(prev) ? collapsed[prev] : c + 1;
    };
    const release = (/** @type {number} */ t) => { if (--indeg[t] === 0) queue[tail++] = t; };
    for (;;) {
      while (head < tail) {
        const e = queue[head++];
        visit(e);
        const p = this.pos[e];
        if (p + 1 < this.laneLength(this.lane[e])) release(this.at(this.lane[e], p + 1));
        for (let k = this.outgoing.start[e]; k < this.outgoing.start[e + 1]; k++) {
          release(this.edgeTo[this.outgoing.list[k]]);
        }
      }
      // A cycle (broken by the analyzer with a warning) leaves events
      // unvisited: take the first in file order and go on.
      let next = -1;
      for (let i = 0; i < n && next < 0; i++) if (!done[i] && indeg[i] > 0) next = i;
      if (next < 0) break;
      indeg[next] = 0;
      queue[tail++] = next;
    }
    this.rank = rank;
    this.collapsedRank = collapsed;
    let maxRank = 0;
    for (let i = 0; i < n; i++) if (rank[i] > maxRank) maxRank = rank[i];
    this.maxRank = maxRank;
  }

  /** The cursor's order: by rank, then file order (a linear extension). */
  buildOrder() {
    const n = this.n;
    const count = new Int32Array(this.maxRank + 2);
    for (let i = 0; i < n; i++) count[this.rank[i] + 1]++;
    for (let r = 0; r <= this.maxRank; r++) count[r + 1] += count[r];
    this.order = new Int32Array(n);
    this.step = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = count[this.rank[i]]++;
      this.order[s] = i;
      this.step[i] = s;
    }
  }

  /**
   * Variables: a non-global variable is one per service, as for races.
   * Each has its accesses and writes in step order.
   */
  buildVariables() {
    /** @type {Map<string, number>} */
    const ids = new Map();
    /** @type {{name: string, service: string | null, accesses: number[], writes: number[]}[]} */
    const vars = [];
    this.varOf = new Int32Array(this.n).fill(-1);
    for (let s = 0; s < this.n; s++) {
      const e = this.order[s];
      if (!this.isAccess(e)) continue;
      const name = this.subject(e) ?? "";
      const service = (this.flags[e] & 2) ? null : this.strings[this.data.lanes.service[this.lane[e]]];
      const key = `${service ?? ""}\u0000${name}`;
      let v = ids.get(key);
      if (v === undefined) {
        v = vars.length;
        ids.set(key, v);
        vars.push({ name, service, accesses: [], writes: [] });
      }
      this.varOf[e] = v;
      vars[v].accesses.push(e);
      if (this.isWrite(e)) vars[v].writes.push(e);
    }
    this.vars = vars;
  }

  /** Calls: by entry and exit, and each event's innermost open call. */
  buildCalls() {
    const c = this.data.calls, n = this.n;
    this.callEntry = Int32Array.from(c.entry);
    this.callExit = Int32Array.from(c.exit);
    this.callCaller = Int32Array.from(c.caller);
    const callOfExit = new Int32Array(n).fill(-1);
    const callOfEntry = new Int32Array(n).fill(-1);
    for (let k = 0; k < c.entry.length; k++) {
      callOfEntry[c.entry[k]] = k;
      if (c.exit[k] >= 0) callOfExit[c.exit[k]] = k;
    }
    this.callOfEntry = callOfEntry;
    this.owner = new Int32Array(n).fill(-1);
    /** @type {number[][]} */
    const stacks = Array.from({ length: this.laneCount }, () => []);
    for (let i = 0; i < n; i++) {
      const stack = stacks[this.lane[i]];
      const top = stack.length ? stack[stack.length - 1] : -1;
      if (callOfEntry[i] >= 0) {
        this.owner[i] = top;
        stack.push(callOfEntry[i]);
      } else if (callOfExit[i] >= 0) {
        const call = callOfExit[i];
        const at = stack.lastIndexOf(call);
        if (at >= 0) stack.length = at;
        this.owner[i] = call;
      } else {
        this.owner[i] = top;
      }
    }
  }

  /** The call's duration in ns; an open call lasts to its lane's end. @param {number} k */
  callDuration(k) {
    const entry = this.callEntry[k];
    const exit = this.callExit[k];
    if (exit >= 0) return this.ts[exit] - this.ts[entry];
    const l = this.lane[entry];
    return this.ts[this.at(l, this.laneLength(l) - 1)] - this.ts[entry];
  }

  /**
   * The call stack at an event, innermost first: its own call (for an
   * entry, the call it starts) and that call's callers.
   * @param {number} e
   * @returns {number[]}
   */
  stackAt(e) {
    const stack = [];
    let k = this.callOfEntry[e] >= 0 ? this.callOfEntry[e] : this.owner[e];
    while (k >= 0 && stack.length < 256) {
      stack.push(k);
      k = this.callCaller[k];
    }
    return stack;
  }

  /**
   * The events whose parent is `e`, in file order.
   * @param {number} e
   * @returns {Int32Array}
   */
  children(e) {
    if (!this.childIndex) {
      const n = this.n;
      const start = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) if (this.parent[i] >= 0) start[this.parent[i] + 1]++;
      for (let i = 0; i < n; i++) start[i + 1] += start[i];
      const list = new Int32Array(start[n]);
      const at = start.slice(0, n);
      for (let i = 0; i < n; i++) if (this.parent[i] >= 0) list[at[this.parent[i]]++] = i;
      this.childIndex = { start, list };
    }
    return this.childIndex.list.subarray(this.childIndex.start[e], this.childIndex.start[e + 1]);
  }

  /**
   * The causal past of an event as a vector clock: per lane, the highest
   * position in the past (-1: none). The event itself is in its past.
   * @param {number} e
   * @returns {Int32Array}
   */
  past(e) {
    const cached = this.pastCache.get(e);
    if (cached) return cached;
    const done = new Int32Array(this.laneCount).fill(-1);
    const todo = [e];
    while (todo.length) {
      const x = /** @type {number} */ (todo.pop());
      const l = this.lane[x], p = this.pos[x];
      const from = done[l];
      if (p <= from) continue;
      done[l] = p;
      for (let q = p; q > from; q--) {
        const y = this.at(l, q);
        for (let k = this.incoming.start[y]; k < this.incoming.start[y + 1]; k++) {
          const s = this.edgeFrom[this.incoming.list[k]];
          if (this.pos[s] > done[this.lane[s]]) todo.push(s);
        }
      }
    }
    remember(this.pastCache, e, done);
    return done;
  }

  /**
   * The causal future of an event: per lane, the lowest position in it
   * (the lane's length: none). The event itself is in its future.
   * @param {number} e
   * @returns {Int32Array}
   */
  future(e) {
    const cached = this.futureCache.get(e);
    if (cached) return cached;
    const first = new Int32Array(this.laneCount);
    for (let l = 0; l < this.laneCount; l++) first[l] = this.laneLength(l);
    const todo = [e];
    while (todo.length) {
      const x = /** @type {number} */ (todo.pop());
      const l = this.lane[x], p = this.pos[x];
      const to = first[l];
      if (p >= to) continue;
      first[l] = p;
      for (let q = p; q < to; q++) {
        const y = this.at(l, q);
        for (let k = this.outgoing.start[y]; k < this.outgoing.start[y + 1]; k++) {
          const t = this.edgeTo[this.outgoing.list[k]];
          if (this.pos[t] < first[this.lane[t]]) todo.push(t);
        }
      }
    }
    remember(this.futureCache, e, first);
    return first;
  }

  /**
   * Whether `a` happens before `b`, given `b`'s past.
   * @param {number} a
   * @param {Int32Array} pastOfB
   * @param {number} b
   */
  before(a, pastOfB, b) { return a !== b && this.pos[a] <= pastOfB[this.lane[a]]; }

  /**
   * The writes a read could have seen: the last writes that happen before
   * it (none overwritten by another write before it) and every write
   * concurrent with it.
   * @param {number} r
   * @returns {{last: number[], concurrent: number[]}}
   */
  visibleWrites(r) {
    const v = this.varOf[r];
    if (v < 0) return { last: [], concurrent: [] };
    const past = this.past(r);
    const future = this.future(r);
    /** @type {number[]} */
    const before = [];
    /** @type {number[]} */
    const concurrent = [];
    for (const w of this.vars[v].writes) {
      if (w === r) continue;
      const l = this.lane[w];
      if (this.pos[w] <= past[l]) before.push(w);
      else if (this.pos[w] < future[l]) concurrent.push(w);
    }
    // The last on each lane, then those no other candidate follows.
    /** @type {Map<number, number>} */
    const lastOnLane = new Map();
    for (const w of before) {
      const prev = lastOnLane.get(this.lane[w]);
      if (prev === undefined || this.pos[w] > this.pos[prev]) lastOnLane.set(this.lane[w], w);
    }
    // Latest in cursor order first: none of those after it can happen
    // before it, so one past per accepted write decides the rest.
    const candidates = [...lastOnLane.values()].sort((a, b) => this.step[b] - this.step[a]);
    /** @type {number[]} */
    const last = [];
    /** @type {Int32Array[]} */
    const pasts = [];
    for (const w of candidates) {
      if (pasts.some((past, i) => this.before(w, past, last[i]))) continue;
      last.push(w);
      pasts.push(this.past(w));
    }
    last.reverse();
    return { last, concurrent };
  }

  /**
   * Locks held on a lane just after an event: acquired on the lane and not
   * yet released, by name.
   * @param {number} l
   * @param {number} upTo position on the lane (inclusive)
   * @returns {string[]}
   */
  locksHeld(l, upTo) {
    if (!this.lockEvents) {
      /** @type {number[][]} */
      const lists = Array.from({ length: this.laneCount }, () => []);
      for (let i = 0; i < this.n; i++) {
        if (this.kind[i] === KIND.ACQUIRE || this.kind[i] === KIND.RELEASE) lists[this.lane[i]].push(i);
      }
      this.lockEvents = lists;
    }
    /** @type {Map<string, number>} */
    const held = new Map();
    for (const e of this.lockEvents[l]) {
      if (this.pos[e] > upTo) break;
      const k = this.kind[e];
      const name = this.subject(e) ?? "?";
      const depth = (held.get(name) ?? 0) + (k === KIND.ACQUIRE ? 1 : -1);
      if (depth > 0) held.set(name, depth);
      else held.delete(name);
    }
    return [...held.keys()];
  }

  /**
   * The last event of a lane at or before a cursor step (-1: none yet).
   * @param {number} l
   * @param {number} s
   */
  laneAtStep(l, s) {
    const len = this.laneLength(l);
    const p = lowerBound(0, len, (q) => this.step[this.at(l, q)] > s) - 1;
    return p;
  }
}
