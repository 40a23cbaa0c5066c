'use strict';
/**
 * The runtime that instrumented code calls: one per process, shared by every
 * copy of this package through `globalThis.__causeway`.
 *
 * Instrumented code calls short helpers (the names are kept short because
 * they appear at every instrumented site):
 *
 *   sites(file, module, language, defs)  the source sites of one file
 *   e / r / x / l                         call entry, return value, exception, leave
 *   t(frame, promise)                     an async function's body (a promise) as a task
 *   a / w                                 before and after an `await`
 *   g / s / u / d / m                     property get, set, update (++), delete, collection method
 *   rv / wv, rc / wc                      module-level and closure variable read, write
 *   p(executor)                           `new Promise(executor)`
 *
 * Every helper does what the original expression did, then records it; none
 * records while the recorder is off or busy (encoding a value may call the
 * program's own getters, which must not be recorded).
 */
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const ids = require('./ids');
const { TraceWriter } = require('./writer');
const { EndpointSender } = require('./sender');
const { ValueEncoder, compileRedaction, DEFAULT_REDACT_PATTERNS } = require('./values');
const { ObjectRegistry } = require('./objects');
const lanes = require('./lanes');

const { currentLane, newLane, enter: enterLane, EMPTY } = lanes;
const q = JSON.stringify;
const GLOBAL = '__causeway';
const RECORDER_DIR = __dirname + path.sep;
const NativePromise = Promise;
const nativeThen = Promise.prototype.then;
const IDENT = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^(?:0|[1-9]\d*)$/;

// Collection methods: those that change the collection, and its queries.
const ARRAY_WRITES = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);
const ARRAY_READS = new Set(['at', 'includes', 'indexOf', 'lastIndexOf', 'slice', 'join', 'find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'map', 'forEach', 'some', 'every', 'reduce', 'reduceRight', 'keys', 'values', 'entries', 'concat', 'flat', 'flatMap']);
const MAP_WRITES = new Set(['set', 'delete', 'clear']);
const SET_WRITES = new Set(['add', 'delete', 'clear']);
const KEYED_READS = new Set(['get', 'has', 'forEach', 'keys', 'values', 'entries']);

/** A place in instrumented source, and the JSON every event from it shares. */
class Site {
  constructor(file, module, language, display, def) {
    const [line, column, fn, name, owner, params] = def;
    this.file = file;
    this.module = module;
    this.line = line;
    this.column = column;
    this.fn = fn;
    this.name = name || '';
    this.acts = 0;
    /** a function's parameter names: its arguments are redacted by them */
    this.params = params || [];
    // A module-level variable: `bank.balance`; a closure variable: its prefix.
    this.variable = owner === undefined || owner === null ? `${display}.${this.name}` : `${display}.${owner}#`;
    const lang = `,"language":${q(language)}`;
    this.where = `,"function":${q(fn)},"file":${q(file)},"line":${line},"column":${column}${lang}`;
    this.call = `,"function":${q(fn)},"module":${q(module)},"file":${q(file)},"line":${line},"column":${column}${lang}`;
    this.exit = `,"function":${q(fn)}${lang}`;
  }
}

/** An open recorded call. */
class Frame {
  constructor(site, id, lane) {
    this.site = site;
    this.id = id;
    this.lane = lane;
    this.started = process.hrtime.bigint();
    this.closed = false;
    this.value = undefined;
    /** the task lane, once an async function first awaits */
    this.task = null;
    /** the lane's position right after the exit */
    this.end = null;
    this.exitId = null;
    site.acts += 1;
    this.act = site.acts;
  }
}

/** What a promise's settlement depends on (see `dependencies`). */
const origins = new WeakMap();
const ORIGIN = Symbol('causeway.origin');

class Recorder {
  constructor() {
    this.active = false;
    this.busy = false;
    this.writer = null;
    this.config = null;
    this.session = 0;
    this.objects = new ObjectRegistry();
    this.encoder = new ValueEncoder(this.objects, null);
    this.skip = new WeakSet([globalThis, console, Math, JSON, Reflect, Atomics, process, process.env]);
    this.traceText = '""';
    this.extraText = '';
    this.service = 'default';
  }

  // -- sessions ---------------------------------------------------------

  /**
   * Starts writing a trace. `config`: {out, root, service, traceId,
   * redact: [regex...], defaultRedactions, extra: {...}}, and `endpoint`
   * (with `token`) to send it to a collector instead of writing `out`.
   * Returns the trace id.
   */
  start(config) {
    if (this.writer !== null) this.stop();
    this.config = config;
    this.root = path.resolve(config.root || process.cwd());
    this.service = config.service || 'default';
    this.traceId = config.traceId || ids.newTraceId();
    this.traceText = q(this.traceId);
    this.extraText = config.extra ? Object.entries(config.extra).map(([k, v]) => `,${q(k)}:${q(v)}`).join('') : '';
    const patterns = (config.defaultRedactions === false ? [] : DEFAULT_REDACT_PATTERNS).concat(config.redact || []);
    this.objects.clear();
    this.encoder = new ValueEncoder(this.objects, compileRedaction(patterns));
    lanes.resetLanes();
    this.session += 1;
    try {
      this.writer = config.endpoint
        ? new EndpointSender(config.endpoint, { token: config.token })
        : new TraceWriter(path.resolve(config.out), config.flushBytes, config.exclusive === true);
    } catch (error) {
      const where = config.endpoint ? `send the trace to ${config.endpoint}` : `write the trace ${config.out}`;
      throw Object.assign(new Error(`cannot ${where}: ${error.message}`), { code: error.code });
    }
    this.active = true;
    return this.traceId;
  }

  /** Flushes and closes the trace; returns its path (or null). */
  stop() {
    this.active = false;
    const writer = this.writer;
    this.writer = null;
    if (writer === null) return null;
    writer.close();
    // Always printed: a loss must never be silent.
    if (writer instanceof EndpointSender) process.stderr.write(`${writer.summary()}\n`);
    return writer.path;
  }

  flush() {
    if (this.writer !== null) this.writer.flush();
  }

  /** Number of events written so far in this session. */
  count() {
    return this.writer === null ? 0 : this.writer.written;
  }

  // -- the one place events are made -----------------------------------

  /** Writes one event on `lane`; `fields` is metadata JSON text (`,"k":v...`). */
  emit(kind, lane, fields, parent, eventId = null) {
    const writer = this.writer;
    if (writer === null) return null;
    let head = lane.head;
    if (head === null || head.session !== this.session) {
      head = lane.head = { session: this.session, text: `"service":${q(this.service)},"thread":${q(lane.name)}` };
    }
    if (lane.pending.length > 0) {
      const pending = lane.pending;
      lane.pending = EMPTY;
      for (const dep of pending) {
        // An ordering this lane received: after `dep` (its parent).
        writer.add(this.line(ids.newEventId(), dep, 'message_receive', head.text, `,"channel":"promise","message_id":"${dep}","language":"javascript"`, lane));
      }
    }
    const id = eventId || ids.newEventId();
    writer.add(this.line(id, parent, kind, head.text, fields, lane));
    lane.last = id;
    return id;
  }

  line(id, parent, kind, head, fields, lane) {
    const trace = lane.trace === null ? this.traceText : lane.traceText || (lane.traceText = q(lane.trace));
    return `{"id":"${id}","trace_id":${trace},"parent_id":${parent === null ? 'null' : `"${parent}"`},"timestamp":"${ids.timestamp()}","kind":"${kind}","metadata":{${head}${fields}${this.extraText}}}`;
  }

  /** JSON of a value, with the recorder marked busy (user getters may run). */
  json(name, value) {
    const type = typeof value;
    if (type !== 'object' || value === null) return this.encoder.named(name, value);
    this.busy = true;
    try {
      return this.encoder.named(name, value);
    } catch (error) {
      return `{"$repr":${q(`<unreadable: ${error && error.message}>`)},"$type":"Object"}`;
    } finally {
      this.busy = false;
    }
  }

  relative(file) {
    if (file.startsWith('file:')) {
      try {
        file = fileURLToPath(file);
      } catch {
        return file;
      }
    }
    if (!path.isAbsolute(file)) return file;
    const rel = path.relative(this.root, file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? file.split(path.sep).join('/') : rel.split(path.sep).join('/');
  }

  // -- state ------------------------------------------------------------

  variable(obj, key) {
    if (ArrayBuffer.isView(obj) && obj.buffer instanceof SharedArrayBuffer && typeof key !== 'symbol' && INDEX.test(String(key))) {
      // Shared memory: named by the buffer and the byte, whatever the view.
      return `${this.objects.sharedLabel(obj.buffer)}[${obj.byteOffset + Number(key) * (obj.BYTES_PER_ELEMENT || 1)}]`;
    }
    const label = this.objects.label(obj);
    if (typeof key === 'number') return Number.isInteger(key) && key >= 0 ? `${label}[${key}]` : `${label}[${q(String(key))}]`;
    if (IDENT.test(key)) return `${label}.${key}`;
    if (INDEX.test(key)) return `${label}[${key}]`;
    return `${label}[${q(key.length > 80 ? key.slice(0, 80) + '…' : key)}]`;
  }

  /** Whether accesses to `obj` are state worth recording. */
  tracked(obj) {
    if (obj === null) return false;
    const type = typeof obj;
    if (type !== 'object' && type !== 'function') return false;
    if (this.skip.has(obj)) return false;
    // A module namespace (null prototype, tagged `Module`): its bindings are
    // recorded where their module changes them.
    return type === 'function' || Object.getPrototypeOf(obj) !== null || obj[Symbol.toStringTag] !== 'Module';
  }

  state(kind, variable, valueText, site) {
    const lane = currentLane();
    this.emit(kind, lane, `,"variable":${q(variable)},"value":${valueText}${site.where}`, lane.parent());
  }

  read(obj, key, value, site) {
    if (typeof key === 'symbol' || !this.tracked(obj)) return;
    let variable;
    if (key === 'length' && Array.isArray(obj)) variable = this.objects.label(obj);
    else if (key === 'size' && (obj instanceof Map || obj instanceof Set)) variable = this.objects.label(obj);
    else variable = this.variable(obj, key);
    this.state('state_read', variable, this.json(key, value), site);
  }

  write(obj, key, value, site) {
    if (typeof key === 'symbol' || !this.tracked(obj)) return;
    this.state('state_write', this.variable(obj, key), this.json(key, value), site);
  }

  // -- calls --------------------------------------------------------------

  enter(site, args) {
    const lane = currentLane();
    this.busy = true;
    let argsText;
    try {
      const n = args === undefined || args === null ? 0 : args.length;
      const parts = new Array(n);
      const params = site.params;
      for (let i = 0; i < n; i += 1) parts[i] = this.encoder.named(i < params.length ? params[i] : null, args[i]);
      argsText = parts.join(',');
    } catch (error) {
      argsText = `{"$repr":${q(`<unreadable: ${error && error.message}>`)},"$type":"arguments"}`;
    } finally {
      this.busy = false;
    }
    const id = this.emit('function_entry', lane, `${site.call},"args":[${argsText}],"kwargs":{}`, lane.parent());
    if (id === null) return null;
    lane.stack.push(id);
    return new Frame(site, id, lane);
  }

  close(frame, text) {
    frame.closed = true;
    removeFrom(frame.lane.stack, frame.id);
    const lane = currentLane();
    if (this.active && !this.busy) {
      const duration = process.hrtime.bigint() - frame.started;
      frame.exitId = this.emit('function_exit', lane, `${frame.site.exit}${text},"duration_ns":${duration}`, frame.id);
    }
    frame.end = lane.position();
  }

  /** The task lane of an async function that is about to await for the first time. */
  becomeTask(frame, site) {
    const caller = frame.lane;
    const task = newLane('task', frame.site.fn, frame.id);
    if (this.active && !this.busy) {
      this.emit('async_spawn', caller, `,"task":${q(task.name)}${site.where}`, caller.parent());
    }
    removeFrom(caller.stack, frame.id);
    task.stack.push(frame.id);
    frame.lane = task;
    frame.task = task;
    return task;
  }

  /** `error` event for an exception that escaped the program. */
  error(error, origin) {
    if (!this.active) return;
    const lane = currentLane();
    const stack = this.stackOf(error);
    const isError = error instanceof Error;
    const type = isError ? error.name || 'Error' : typeof error;
    let message;
    try {
      message = isError ? String(error.message) : String(error);
    } catch {
      message = '<unprintable>';
    }
    let fields = `,"message":${q(message.slice(0, 1000))},"error_type":${q(type)},"stack":${q(stack)}`;
    if (stack.length > 0) fields += `,"function":${q(stack[0].function)},"file":${q(stack[0].file)},"line":${stack[0].line}`;
    if (origin) fields += `,"origin":${q(origin)}`;
    fields += ',"language":"javascript"';
    const parent = (error !== null && typeof error === 'object' && error[ORIGIN]) || lane.parent();
    this.emit('error', lane, fields, parent);
  }

  stackOf(error) {
    const text = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
    const frames = [];
    for (const raw of text.split('\n').slice(1)) {
      const match = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(raw);
      if (match === null) continue;
      let file = match[2];
      if (file.startsWith('node:') || file.startsWith('internal/')) continue;
      if (file.startsWith('file:')) {
        try {
          file = fileURLToPath(file);
        } catch {
          continue;
        }
      }
      if (file.startsWith(RECORDER_DIR)) continue;
      frames.push({ function: (match[1] || '<anonymous>').replace(/^async /, ''), file: this.relative(file), line: Number(match[3]) });
      if (frames.length >= 50) break;
    }
    // The program's own frames; a library's or a test runner's are noise.
    const own = frames.filter((f) => !f.file.startsWith('/') && !f.file.split('/').includes('node_modules'));
    return own.length > 0 ? own : frames;
  }

  // -- tests (the Jest integration) -------------------------------------

  /**
   * A test starts: it gets its own trace id, every event until it ends
   * carries `metadata.test`, and its entry is the root of its trace.
   */
  beginTest(name, file, line) {
    if (!this.active) return;
    this.fileTraceId = this.fileTraceId || this.traceId;
    this.traceId = ids.newTraceId();
    this.traceText = q(this.traceId);
    this.extraText = `,"test":${q(name)}`;
    const lane = lanes.MAIN;
    lane.stack = [];
    const module = this.relative(file);
    const where = `,"function":${q(name)},"module":${q(module)},"file":${q(module)},"line":${line || 1},"language":"javascript","args":[],"kwargs":{}`;
    const id = this.emit('function_entry', lane, where, null);
    this.test = { id, name, started: process.hrtime.bigint() };
    lane.stack.push(id);
  }

  /** The test ended; `errors` are what failed it (none: it passed). */
  endTest(errors) {
    const test = this.test;
    if (!this.active || !test) return;
    const lane = lanes.MAIN;
    let text = `,"function":${q(test.name)},"language":"javascript"`;
    if (errors.length > 0) {
      for (const error of errors) this.error(error, 'test');
      const first = errors[0];
      const type = first instanceof Error ? first.name : typeof first;
      const message = first instanceof Error ? first.message : String(first);
      text += `,"exception":{"type":${q(type)},"message":${q(String(message).slice(0, 1000))}}`;
    } else {
      text += ',"return_value":null';
    }
    this.emit('function_exit', lane, `${text},"duration_ns":${process.hrtime.bigint() - test.started}`, test.id);
    lane.stack = [];
    this.test = null;
    this.traceId = this.fileTraceId;
    this.traceText = q(this.traceId);
    this.extraText = '';
  }

  custom(name, data) {
    if (!this.active || this.busy) return null;
    const lane = currentLane();
    return this.emit('custom', lane, `,"name":${q(String(name))},"data":${this.json(name, data)},"language":"javascript"`, lane.parent());
  }
}

function removeFrom(stack, id) {
  if (stack.length > 0 && stack[stack.length - 1] === id) stack.pop();
  else {
    const at = stack.lastIndexOf(id);
    if (at >= 0) stack.splice(at, 1);
  }
}

/**
 * The event ids a continuation that saw `value` settle must come after:
 * the end of the async function that made it, the resolver's position for a
 * `new Promise`, the reaction that produced a `then` promise, every part of
 * a `Promise.all`. Walks chains of promises, each once.
 */
function dependencies(value, out, seen, tasks = null) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return out;
  const origin = origins.get(value);
  if (origin === undefined || seen.has(origin)) return out;
  seen.add(origin);
  const frame = origin.frame;
  if (frame !== undefined && frame !== null && frame.end !== null) {
    // A task that ended: joined by an async_await when the caller wants it.
    if (tasks !== null && frame.task !== null && frame.exitId !== null) {
      if (!tasks.includes(frame)) tasks.push(frame);
    } else push(out, frame.end);
  }
  if (origin.position) push(out, origin.position);
  if (origin.result !== undefined) dependencies(origin.result, out, seen, tasks);
  if (origin.parent !== undefined && origin.passthrough) dependencies(origin.parent, out, seen, tasks);
  if (origin.parts !== undefined) for (const part of origin.parts) dependencies(part, out, seen, tasks);
  return out;
}

function push(out, ids) {
  for (const id of ids) if (!out.includes(id)) out.push(id);
}

const R = new Recorder();

/** The helpers instrumented code calls (see the module comment). */
const api = {
  recorder: R,
  origins,
  dependencies,
  version: require('../package.json').version,

  sites(file, module, language, defs) {
    const display = module.replace(/\.[cm]?[jt]sx?$/, '');
    return defs.map((def) => new Site(file, module, language, display, def));
  },

  // calls
  e(site, args) {
    return R.active && !R.busy ? R.enter(site, args) : null;
  },
  r(frame, value) {
    if (frame !== null) frame.value = value;
    return value;
  },
  x(frame, error) {
    if (frame !== null && !frame.closed) {
      if (error !== null && typeof error === 'object' && !Object.prototype.hasOwnProperty.call(error, ORIGIN)) {
        try {
          Object.defineProperty(error, ORIGIN, { value: frame.id, enumerable: false, configurable: true });
        } catch {
          // a frozen error keeps no origin
        }
      }
      let text;
      if (R.active) {
        const isError = error instanceof Error;
        R.busy = true;
        try {
          const type = isError ? error.name || 'Error' : typeof error;
          const message = isError ? String(error.message) : String(error);
          text = `,"exception":{"type":${q(type)},"message":${q(message.slice(0, 1000))}}`;
        } catch {
          text = ',"exception":{"type":"unknown","message":""}';
        } finally {
          R.busy = false;
        }
      }
      R.close(frame, text || '');
    }
    return error;
  },
  l(frame) {
    if (frame !== null && !frame.closed) R.close(frame, R.active ? `,"return_value":${R.json(null, frame.value)}` : '');
  },
  t(frame, promise) {
    if (frame !== null) origins.set(promise, { frame });
    return promise;
  },

  // await
  a(frame, value, site) {
    if (frame !== null && frame.task === null && !frame.closed && R.active) R.becomeTask(frame, site);
    return nativeThen.call(NativePromise.resolve(value), (v) => ({ ok: true, v, from: value, site }), (e) => ({ ok: false, v: e, from: value, site }));
  },
  w(frame, box) {
    let lane;
    if (frame !== null && frame.task !== null) {
      lane = frame.task;
      enterLane(lane);
    } else {
      lane = currentLane();
    }
    if (R.active) {
      const tasks = [];
      const deps = dependencies(box.from, [], new Set(), tasks);
      if (deps.length > 0) lane.after(deps);
      for (const task of tasks) {
        // Joined: after the task's exit (its parent) and its last event (rule 4).
        if (!R.busy) R.emit('async_await', lane, `,"task":${q(task.task.name)}${box.site.where}`, task.exitId);
      }
    }
    if (box.ok) return box.v;
    throw box.v;
  },

  // properties
  g(obj, key, site) {
    const value = obj[key];
    if (R.active && !R.busy && typeof value !== 'function') R.read(obj, key, value, site);
    return value;
  },
  s(obj, key, value, site) {
    obj[key] = value;
    if (R.active && !R.busy) R.write(obj, key, value, site);
    return value;
  },
  u(obj, key, delta, prefix, site) {
    const old = obj[key];
    const number = typeof old === 'bigint' ? old : +old;
    const value = typeof number === 'bigint' ? number + BigInt(delta) : number + delta;
    if (R.active && !R.busy) R.read(obj, key, old, site);
    obj[key] = value;
    if (R.active && !R.busy) R.write(obj, key, value, site);
    return prefix ? value : number;
  },
  d(obj, key, site) {
    const done = delete obj[key];
    if (R.active && !R.busy) R.write(obj, key, undefined, site);
    return done;
  },
  m(site, obj, key, ...args) {
    const result = obj[key](...args);
    if (R.active && !R.busy && R.tracked(obj)) {
      let kind = null;
      if (Array.isArray(obj)) kind = ARRAY_WRITES.has(key) ? 'state_write' : ARRAY_READS.has(key) ? 'state_read' : null;
      else if (obj instanceof Map) kind = MAP_WRITES.has(key) ? 'state_write' : KEYED_READS.has(key) ? 'state_read' : null;
      else if (obj instanceof Set) kind = SET_WRITES.has(key) ? 'state_write' : KEYED_READS.has(key) ? 'state_read' : null;
      if (kind !== null) {
        const size = Array.isArray(obj) ? obj.length : obj.size;
        R.state(kind, R.objects.label(obj), `{"$repr":${q(`${key}() -> size ${size}`)},"$type":${q(Array.isArray(obj) ? 'Array' : obj.constructor.name)}}`, site);
      }
    }
    return result;
  },

  /** `const {a, b} = obj`: reads of obj.a and obj.b (data properties only: no getter runs twice). */
  o(obj, keys, site) {
    if (R.active && !R.busy && R.tracked(obj)) {
      for (const key of keys) {
        const own = Object.getOwnPropertyDescriptor(obj, key);
        if (own !== undefined && 'value' in own && typeof own.value !== 'function') R.read(obj, key, own.value, site);
      }
    }
    return obj;
  },

  // variables
  rv(value, site) {
    if (R.active && !R.busy && typeof value !== 'function') R.state('state_read', site.variable, R.json(site.name, value), site);
    return value;
  },
  wv(value, site) {
    if (R.active && !R.busy) R.state('state_write', site.variable, R.json(site.name, value), site);
    return value;
  },
  rc(value, frame, site) {
    if (R.active && !R.busy && typeof value !== 'function') R.state('state_read', `${site.variable}${frame ? frame.act : 0}.${site.name}`, R.json(site.name, value), site);
    return value;
  },
  wc(value, frame, site) {
    if (R.active && !R.busy) R.state('state_write', `${site.variable}${frame ? frame.act : 0}.${site.name}`, R.json(site.name, value), site);
    return value;
  },

  // promises made by the program
  p(executor) {
    const origin = {};
    const promise = new NativePromise((resolve, reject) => {
      const settle = (how) => (value) => {
        if (origin.position === undefined) {
          origin.position = currentLane().position();
          if (how === resolve) origin.result = value;
        }
        how(value);
      };
      executor(settle(resolve), settle(reject));
    });
    origins.set(promise, origin);
    return promise;
  },

  /** A `custom` event: `causeway.event('name', {any: 'data'})`. */
  event(name, data) {
    return R.custom(name, data);
  },
};

let shared = globalThis[GLOBAL];
if (shared === undefined) {
  Object.defineProperty(globalThis, GLOBAL, { value: api, enumerable: false, configurable: true, writable: false });
  shared = api;
}

module.exports = shared;
