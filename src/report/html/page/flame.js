// Flamegraphs (icicle: callers above callees) of the calls of one lane or
// one trace. Calls with the same function under the same path merge into
// one frame; a frame's width is its total duration (exit minus entry), and
// its self time is the total less its callees'. A call that never returned
// lasts to the last event of its lane. Click a frame to zoom into it, the
// top bar to zoom out; the search box marks matching frames.

/**
 * @typedef {Object} Frame
 * @property {string} name
 * @property {number} total
 * @property {number} self
 * @property {number} count
 * @property {boolean} open a call in it never returned
 * @property {Map<string, Frame>} children
 */

/** Frames narrower than this share of the view are not drawn. */
const MIN_FRAME = 0.002;
const MAX_FRAMES = 4000;

/** @param {string} name @returns {Frame} */
function frame(name) { return { name, total: 0, self: 0, count: 0, open: false, children: new Map() }; }

class FlameView {
  /**
   * @param {HTMLElement} root
   * @param {Trace} trace
   */
  constructor(root, trace) {
    this.t = trace;
    const t = trace;
    // Callees of each call (CSR by caller).
    const nc = t.callEntry.length;
    const start = new Int32Array(nc + 1);
    for (let k = 0; k < nc; k++) if (t.callCaller[k] >= 0) start[t.callCaller[k] + 1]++;
    for (let k = 0; k < nc; k++) start[k + 1] += start[k];
    const list = new Int32Array(start[nc]);
    const at = start.slice(0, nc);
    for (let k = 0; k < nc; k++) if (t.callCaller[k] >= 0) list[at[t.callCaller[k]]++] = k;
    this.calleeStart = start;
    this.callees = list;

    this.select = /** @type {HTMLSelectElement} */ (h("select", { id: "flame-scope", "aria-label": "calls of" }));
    const lanes = h("optgroup", null);
    lanes.setAttribute("label", "per thread");
    for (let l = 0; l < t.laneCount; l++) lanes.append(h("option", { value: `lane:${l}` }, t.laneName(l)));
    const traces = h("optgroup", null);
    traces.setAttribute("label", "per trace");
    for (const { trace: s, events } of t.largestTraces(MAX_TRACE_OPTIONS)) {
      traces.append(h("option", { value: `trace:${s}` }, `trace ${t.strings[s]} (${events} events)`));
    }
    this.select.append(lanes, traces);
    this.search = /** @type {HTMLInputElement} */ (h("input", { type: "search", id: "flame-search", "aria-label": "search functions" }));
    this.search.setAttribute("placeholder", "search functions");
    this.info = h("span", { class: "meta", id: "flame-info" });
    this.canvas = h("div", { class: "flame", id: "flame" });
    fill(root, h("div", { class: "toolbar" }, this.select, this.search, this.info), this.canvas);
    this.select.addEventListener("change", () => this.show());
    this.search.addEventListener("input", () => this.mark());
    /** @type {Frame} */
    this.tree = frame("all");
    /** @type {Frame[]} */
    this.zoomPath = [];
    // Start on the lane with the most calls.
    const perLane = new Int32Array(t.laneCount);
    for (let k = 0; k < nc; k++) perLane[t.lane[t.callEntry[k]]]++;
    let best = 0;
    for (let l = 1; l < t.laneCount; l++) if (perLane[l] > perLane[best]) best = l;
    this.select.value = `lane:${best}`;
    this.show();
  }

  /** Builds the tree of the selected lane or trace and draws it. */
  show() {
    const t = this.t;
    const [what, index] = this.select.value.split(":");
    const i = Number(index);
    const nc = t.callEntry.length;
    /** @type {(k: number) => boolean} */
    const member = what === "lane"
      ? (k) => t.lane[t.callEntry[k]] === i
      : (k) => t.traceOf(t.callEntry[k]) === i;
    const tree = frame(what === "lane" ? t.laneName(i) : `trace ${t.strings[i]}`);
    /** @type {[number, Frame][]} */
    const todo = [];
    for (let k = 0; k < nc; k++) {
      const caller = t.callCaller[k];
      if (member(k) && (caller < 0 || !member(caller))) todo.push([k, tree]);
    }
    while (todo.length) {
      const [k, parent] = /** @type {[number, Frame]} */ (todo.pop());
      const name = t.func(t.callEntry[k]) ?? "?";
      let node = parent.children.get(name);
      if (!node) { node = frame(name); parent.children.set(name, node); }
      const d = t.callDuration(k);
      node.total += d;
      node.count++;
      node.open ||= t.callExit[k] < 0;
      let inner = 0;
      for (let j = this.calleeStart[k]; j < this.calleeStart[k + 1]; j++) {
        const c = this.callees[j];
        if (!member(c)) continue;
        inner += t.callDuration(c);
        todo.push([c, node]);
      }
      node.self += Math.max(0, d - inner);
    }
    for (const c of tree.children.values()) tree.total += c.total;
    this.tree = tree;
    this.zoomPath = [];
    this.draw();
  }

  draw() {
    const focus = this.zoomPath.length ? this.zoomPath[this.zoomPath.length - 1] : this.tree;
    const frames = [];
    const top = h("div", { class: "frame frame-all", title: "click to zoom out" },
      `${this.zoomPath.map((f) => f.name).join(" › ") || this.tree.name}: ${fmtDuration(focus.total)}`);
    top.dataset.totalNs = String(focus.total);
    top.addEventListener("click", () => { this.zoomPath.pop(); this.draw(); });
    frames.push(top);
    let hidden = 0;
    /** @type {[Frame, number, number, number][]} frame, depth, left share, width share */
    const todo = [];
    const scale = focus.total > 0 ? 1 / focus.total : 0;
    if (this.zoomPath.length) todo.push([focus, 0, 0, 1]);
    else {
      let x = 0;
      for (const c of sorted(focus)) { todo.push([c, 0, x, c.total * scale]); x += c.total * scale; }
    }
    todo.reverse();
    while (todo.length) {
      const [f, depth, left, width] = /** @type {[Frame, number, number, number]} */ (todo.pop());
      if (width < MIN_FRAME || frames.length >= MAX_FRAMES) { hidden++; continue; }
      const el = h("div", {
        class: `frame${f.open ? " open" : ""}`, "data-depth": depth, "data-name": f.name,
        "data-total-ns": f.total, "data-self-ns": f.self, "data-calls": f.count,
        title: `${f.name}: ${fmtDuration(f.total)} total, ${fmtDuration(f.self)} self, ${f.count} call${f.count === 1 ? "" : "s"}${f.open ? " (one never returned)" : ""}`,
      }, h("span", null, f.name));
      el.style.left = `${left * 100}%`;
      el.style.width = `${width * 100}%`;
      el.style.top = `${(depth + 1) * 22}px`;
      el.addEventListener("click", () => { if (f !== focus) { this.zoomPath.push(f); this.draw(); } });
      frames.push(el);
      let x = left;
      const kids = sorted(f).map((c) => /** @type {[Frame, number, number, number]} */ ([c, depth + 1, x, (x += c.total * scale, c.total * scale)]));
      kids.reverse();
      todo.push(...kids);
    }
    fill(this.canvas, ...frames);
    const depth = Math.max(0, ...frames.map((f) => Number(f.dataset.depth ?? -1)));
    this.canvas.style.height = `${(depth + 2) * 22 + 4}px`;
    fill(this.info, `${fmtDuration(focus.total)} in view${hidden ? `, ${hidden} frames too narrow to draw` : ""}`);
    this.mark();
  }

  /** Marks the frames that match the search. */
  mark() {
    const q = this.search.value.trim().toLowerCase();
    let matched = 0;
    for (const el of /** @type {NodeListOf<HTMLElement>} */ (this.canvas.querySelectorAll(".frame[data-name]"))) {
      const hit = q !== "" && (el.dataset.name ?? "").toLowerCase().includes(q);
      el.classList.toggle("match", hit);
      if (hit) matched++;
    }
    this.search.dataset.matches = String(matched);
  }
}

/** A frame's children in name order. @param {Frame} f */
function sorted(f) {
  return [...f.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
