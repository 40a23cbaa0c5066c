'use strict';
/**
 * Stable, readable names for objects: `Account#1`, `Account#2`, `Object#4`,
 * `Array#2`, numbered per class in the order the recorder first meets them.
 * A WeakMap holds the names, so an object keeps its name while it lives and
 * its number is never reused. A class (or function) used as an object, for
 * its static fields, is named by its own name.
 */
const { typeName } = require('./values');

class ObjectRegistry {
  constructor() {
    this.clear();
  }

  clear() {
    this.labels = new WeakMap();
    this.counts = new Map();
    this.shared = 0;
  }

  /**
   * The name of a SharedArrayBuffer: `SharedArrayBuffer#k`, k in the order
   * this thread first meets shared buffers (each thread has its own object
   * for one buffer; threads that meet their buffers in the same order agree
   * on the names).
   */
  sharedLabel(buffer) {
    let name = this.labels.get(buffer);
    if (name === undefined) {
      this.shared += 1;
      name = `SharedArrayBuffer#${this.shared}`;
      this.labels.set(buffer, name);
    }
    return name;
  }

  /** The name of `obj` (an object or a function). */
  label(obj) {
    let name = this.labels.get(obj);
    if (name !== undefined) return name;
    if (typeof obj === 'function') {
      name = obj.name || '<anonymous function>';
      if (this.counts.has(`fn:${name}`)) {
        // Two classes of the same name: the second is `Name#2`.
        const n = this.counts.get(`fn:${name}`) + 1;
        this.counts.set(`fn:${name}`, n);
        name = `${name}#${n}`;
      } else {
        this.counts.set(`fn:${name}`, 1);
      }
    } else {
      const type = Array.isArray(obj) ? 'Array' : typeName(obj);
      const n = (this.counts.get(type) || 0) + 1;
      this.counts.set(type, n);
      name = `${type}#${n}`;
    }
    this.labels.set(obj, name);
    return name;
  }
}

module.exports = { ObjectRegistry };
