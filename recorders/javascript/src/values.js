'use strict';
/**
 * Values as JSON text, the way every Causeway recorder writes them.
 *
 * JSON values are written as they are (strings cut to `maxString`
 * characters, containers to `maxItems` items and `maxDepth` levels); what
 * JSON cannot hold is `{"$repr": "...", "$type": "..."}`: functions, symbols,
 * BigInt, NaN and the infinities, cycles, class instances (named by their
 * object label, `Account#3`, without running their code), Maps, Sets,
 * Dates, errors and promises. A value stored under a name that matches a
 * redaction pattern is `{"$redacted": "<pattern>"}`. `undefined` is `null`.
 */

/** Names whose values are redacted by default, as in the Python recorder. */
const DEFAULT_REDACT_PATTERNS = [
  'password',
  'passwd',
  'secret',
  'token',
  'api[_-]?key',
  'authorization',
  'cookie',
  'credential',
  'private[_-]?key',
];

/** One regular expression for a list of patterns (case-insensitive), or null. */
function compileRedaction(patterns) {
  const list = patterns.filter((p) => p.length > 0);
  if (list.length === 0) return null;
  for (const p of list) new RegExp(p); // a bad pattern is the user's error, reported here
  return new RegExp(list.map((p) => `(?:${p})`).join('|'), 'i');
}

const q = JSON.stringify;

class ValueEncoder {
  /**
   * @param {{label(obj: object): string}} objects names class instances
   * @param {RegExp|null} redact
   */
  constructor(objects, redact, limits = {}) {
    this.objects = objects;
    this.redact = redact;
    this.maxString = limits.maxString ?? 200;
    this.maxItems = limits.maxItems ?? 20;
    this.maxDepth = limits.maxDepth ?? 3;
  }

  /** JSON text of `value`, stored under `name` (a key, a parameter) if any. */
  named(name, value) {
    if (this.redact !== null && typeof name === 'string' && name.length > 0) {
      const hit = this.redact.exec(name);
      if (hit !== null) return `{"$redacted":${q(hit[0].toLowerCase())}}`;
    }
    return this.json(value, 0, null);
  }

  /** JSON text of `value` at `depth`; `seen` holds the containers above it. */
  json(value, depth, seen) {
    switch (typeof value) {
      case 'string':
        return q(value.length > this.maxString ? value.slice(0, this.maxString) + '…' : value);
      case 'number':
        if (Number.isFinite(value)) return Object.is(value, -0) ? '0' : String(value);
        return repr(String(value), 'number');
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return 'null';
      case 'bigint':
        return repr(`${value}n`, 'bigint');
      case 'symbol':
        return repr(value.toString(), 'symbol');
      case 'function':
        return repr(value.name ? `[Function ${value.name}]` : '[Function (anonymous)]', 'function');
      default:
        break;
    }
    if (value === null) return 'null';
    return this.object(value, depth, seen);
  }

  object(value, depth, seen) {
    if (seen !== null && seen.includes(value)) return repr('[Circular]', typeName(value));
    if (Array.isArray(value)) {
      if (depth >= this.maxDepth) return repr(`Array(${value.length})`, 'Array');
      const inner = seen === null ? [value] : seen.concat([value]);
      const n = Math.min(value.length, this.maxItems);
      const parts = new Array(n);
      for (let i = 0; i < n; i += 1) parts[i] = this.json(value[i], depth + 1, inner);
      if (value.length > n) parts.push(q(`… ${value.length - n} more`));
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      if (depth >= this.maxDepth) return repr('{…}', 'Object');
      const inner = seen === null ? [value] : seen.concat([value]);
      const keys = Object.keys(value);
      const n = Math.min(keys.length, this.maxItems);
      const parts = [];
      for (let i = 0; i < n; i += 1) {
        const key = keys[i];
        const text = this.redact !== null && this.redact.test(key)
          ? `{"$redacted":${q(this.redact.exec(key)[0].toLowerCase())}}`
          : this.json(value[key], depth + 1, inner);
        parts.push(`${q(key)}:${text}`);
      }
      if (keys.length > n) parts.push(`"…":${q(`${keys.length - n} more keys`)}`);
      return `{${parts.join(',')}}`;
    }
    if (value instanceof Date) return repr(Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString(), 'Date');
    if (value instanceof Error) return repr(`${value.name}: ${String(value.message).slice(0, this.maxString)}`, value.name || 'Error');
    if (value instanceof Map) return repr(`Map(${value.size})`, 'Map');
    if (value instanceof Set) return repr(`Set(${value.size})`, 'Set');
    if (typeof value.then === 'function') return repr('Promise', typeName(value));
    return repr(`<${this.objects.label(value)}>`, typeName(value));
  }
}

function repr(text, type) {
  return `{"$repr":${q(text)},"$type":${q(type)}}`;
}

/** The class name of an object, without running its code (proxies aside). */
function typeName(value) {
  try {
    const proto = Object.getPrototypeOf(value);
    if (proto === null) return 'Object';
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor');
    const name = ctor && typeof ctor.value === 'function' ? ctor.value.name : '';
    return name || 'Object';
  } catch {
    return 'Object';
  }
}

module.exports = { ValueEncoder, compileRedaction, DEFAULT_REDACT_PATTERNS, typeName };
