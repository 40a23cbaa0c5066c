// Small DOM and formatting helpers shared by every view.
//
// Every string from the trace reaches the page as a text node
// (`textContent`) or as canvas text: never as markup, never as an attribute
// that the browser interprets (no `href`, `src`, `style` or `on*` with trace
// data). `h` is the only way the views build elements.

/**
 * Creates an element. `attrs` may set `class`, `data-*`, `id`, `title`,
 * `role`, `tabindex`, `aria-*` and `type`; children are nodes or strings
 * (strings become text nodes).
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined> | null} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (!SAFE_ATTR.test(key)) throw new Error(`attribute not allowed: ${key}`);
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Attributes that never load, run or style anything. */
const SAFE_ATTR = /^(class|id|title|role|tabindex|type|value|for|colspan|open|data-[a-z0-9-]+|aria-[a-z]+)$/;

/**
 * Removes an element's children and appends new ones.
 * @param {Element} el
 * @param {...(Node | string | null | undefined | false)} children
 */
function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * A duration in nanoseconds, in the largest unit that keeps it readable.
 * @param {number} ns
 * @returns {string}
 */
function fmtDuration(ns) {
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${ns} ns`;
  if (abs < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (abs < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/**
 * Binary search: the first index in `[lo, hi)` for which `pred` holds,
 * `pred` being false then true along the range.
 * @param {number} lo
 * @param {number} hi
 * @param {(i: number) => boolean} pred
 * @returns {number}
 */
function lowerBound(lo, hi, pred) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A short, single-line form of a JSON text (values can be large).
 * @param {string} text
 * @param {number} [max]
 * @returns {string}
 */
function clip(text, max = 80) {
  const line = text.replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Reads a JSON data block of the page.
 * @param {string} id
 * @returns {any}
 */
function readBlock(id) {
  const el = document.getElementById(id);
  if (!el || !el.textContent) throw new Error(`the page has no ${id} block`);
  return JSON.parse(el.textContent);
}
