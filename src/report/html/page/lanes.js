// The lanes view: a space-time diagram (as in ShiViz) with one lane per
// line of execution and events placed by happens-before rank, drawn on a
// canvas. Only what is in view is drawn: each lane's events are sorted by
// rank, so a binary search finds the visible ones, and where events are
// denser than pixels the lane shows one tick per occupied pixel column.
// Cross-lane edges are drawn with their kind's colour. The canvas has a
// text twin (`#lanes-status`) that names the selected and highlighted
// events, for screen readers and tests.

/** Lane height: roomy for a few lanes, tighter for many. */
const LANE_H_FEW = 30;
const LANE_H_MANY = 18;
const TOP = 24;
const LABEL_W = 200;

/** Colours of the edge kinds, by the data block's `edge_kinds` order. */
const EDGE_COLORS = ["#8a8a8a", "#1b9e77", "#7570b3", "#d95f02", "#e7298a"];

/** @param {number} kind */
function kindColor(kind) {
  switch (kind) {
    case KIND.READ: return "#2b6cb0";
    case KIND.WRITE: return "#dd6b20";
    case KIND.ACQUIRE: case KIND.RELEASE: return "#6b46c1";
    case KIND.SEND: case KIND.RECEIVE: return "#d53f8c";
    case KIND.SPAWN: case KIND.AWAIT: return "#1b9e77";
    case KIND.ERROR: return "#e53e3e";
    case KIND.HTTP_REQUEST: case KIND.HTTP_RESPONSE: case KIND.DB: return "#975a16";
    default: return "#718096";
  }
}

class LanesView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} status
   * @param {Trace} trace
   * @param {(e: number) => void} onPick
   */
  constructor(canvas, status, trace, onPick) {
    this.canvas = canvas;
    this.status = status;
    this.t = trace;
    this.onPick = onPick;
    this.collapsed = false;
    this.zoom = 24;
    this.x0 = 0;
    this.y0 = 0;
    /** @type {number[]} */
    this.highlight = [];
    /** @type {Int32Array[]} */
    this.pasts = [];
    /** @type {number[]} */
    this.path = [];
    this.picked = -1;
    this.cursor = -1;
    /** Edge kinds not drawn (indexes of `edge_kinds`). @type {Set<number>} */
    this.hiddenKinds = new Set();
    this.pending = false;
    /** @type {number[]} frame times of the last draws, in ms */
    this.frameTimes = [];
    this.laneH = trace.laneCount > 16 ? LANE_H_MANY : LANE_H_FEW;
    // Tall enough for every lane, up to most of the window.
    canvas.style.height = `${Math.round(Math.max(200, Math.min(window.innerHeight * 0.7, TOP + trace.laneCount * this.laneH + 12)))}px`;
    this.installInput();
    new ResizeObserver(() => this.redraw()).observe(canvas);
  }

  get ranks() { return this.collapsed ? this.t.collapsedRank : this.t.rank; }

  /** Rank to canvas x. @param {number} r */
  x(r) { return LABEL_W + (r - this.x0) * this.zoom; }
  /** Lane to canvas y (centre). @param {number} l */
  y(l) { return TOP + l * this.laneH + this.laneH / 2 - this.y0; }

  installInput() {
    const c = this.canvas;
    /** @type {{x: number, y: number, x0: number, y0: number, moved: boolean} | null} */
    let drag = null;
    c.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, x0: this.x0, y0: this.y0, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) this.panTo(drag.x0 - dx / this.zoom, drag.y0 - dy);
    });
    c.addEventListener("pointerup", (ev) => {
      if (drag && !drag.moved) {
        const r = c.getBoundingClientRect();
        const e = this.hit(ev.clientX - r.left, ev.clientY - r.top);
        if (e >= 0) this.onPick(e);
      }
      drag = null;
    });
    c.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      if (ev.shiftKey) {
        this.panTo(this.x0 + ev.deltaY / this.zoom, this.y0);
        return;
      }
      const r = c.getBoundingClientRect();
      const mx = ev.clientX - r.left;
      const at = this.x0 + (mx - LABEL_W) / this.zoom;
      this.zoomTo(this.zoom * Math.pow(1.0015, -ev.deltaY), at, mx);
    }, { passive: false });
  }

  /** @param {number} x0 @param {number} y0 */
  panTo(x0, y0) {
    const maxY = Math.max(0, TOP + this.t.laneCount * this.laneH - this.canvas.clientHeight);
    this.x0 = x0;
    this.y0 = Math.min(Math.max(0, y0), maxY);
    this.redraw();
  }

  /** Zooms keeping rank `at` under canvas x `mx`. @param {number} zoom @param {number} at @param {number} mx */
  zoomTo(zoom, at, mx) {
    this.zoom = Math.min(80, Math.max(1e-5, zoom));
    this.x0 = at - (mx - LABEL_W) / this.zoom;
    this.redraw();
  }

  /** Shows every rank. */
  fit() {
    const w = Math.max(50, this.canvas.clientWidth - LABEL_W - 20);
    this.zoom = Math.min(24, w / Math.max(1, this.ranks[this.t.order[this.t.n - 1]] ?? 1));
    this.x0 = 0;
    this.redraw();
  }

  /** Pans (and zooms out if needed) so that the events are in view. @param {number[]} events */
  reveal(events) {
    if (!events.length) return;
    const rs = events.map((e) => this.ranks[e]);
    const lo = Math.min(...rs), hi = Math.max(...rs);
    const w = Math.max(50, this.canvas.clientWidth - LABEL_W - 40);
    if ((hi - lo) * this.zoom > w) this.zoom = w / Math.max(1, hi - lo);
    const mid = (lo + hi) / 2;
    const lanes = events.map((e) => this.t.lane[e]);
    const ly = (Math.min(...lanes) + Math.max(...lanes)) / 2;
    this.panTo(mid - w / 2 / this.zoom, TOP + ly * this.laneH - this.canvas.clientHeight / 2 + this.laneH);
  }

  /**
   * Highlights events and tints their causal pasts.
   * @param {number[]} events
   */
  setHighlight(events) {
    this.highlight = events;
    this.pasts = events.map((e) => this.t.past(e));
    this.updateStatus();
    this.redraw();
  }

  /** Shows or hides the edges of a kind. @param {number} kind @param {boolean} shown */
  showKind(kind, shown) {
    if (shown) this.hiddenKinds.delete(kind);
    else this.hiddenKinds.add(kind);
    this.redraw();
  }

  /** @param {number} e */
  setPicked(e) { this.picked = e; this.updateStatus(); this.redraw(); }
  /** @param {number} step */
  setCursor(step) { this.cursor = step; this.redraw(); }
  /** @param {number[]} events */
  setPath(events) { this.path = events; this.updateStatus(); this.redraw(); }
  /** @param {boolean} on */
  setCollapsed(on) {
    const keep = this.t.order[Math.max(0, this.cursor)];
    this.collapsed = on;
    this.fit();
    if (keep !== undefined && this.cursor >= 0) this.reveal([keep]);
  }

  updateStatus() {
    const t = this.t;
    const item = (/** @type {string} */ role, /** @type {number} */ e) =>
      h("li", { "data-role": role, "data-event": e, "data-event-id": t.id(e) ?? "", "data-lane": t.lane[e] },
        `${role}: ${t.label(e)} on ${t.laneName(t.lane[e])} at ${t.location(e)}`);
    fill(this.status,
      ...this.highlight.map((e) => item("highlighted", e)),
      this.picked >= 0 ? item("selected", this.picked) : null,
      this.path.length ? h("li", { "data-role": "path" }, `critical path of ${this.path.length} events`) : null);
  }

  /** The event at canvas coordinates, or -1. @param {number} mx @param {number} my */
  hit(mx, my) {
    const t = this.t;
    const l = Math.floor((my - TOP + this.y0) / this.laneH);
    if (l < 0 || l >= t.laneCount || mx < LABEL_W) return -1;
    const R = this.ranks;
    const r = this.x0 + (mx - LABEL_W) / this.zoom;
    const len = t.laneLength(l);
    const p = lowerBound(0, len, (q) => R[t.at(l, q)] >= r);
    let best = -1, dist = 9;
    for (const q of [p - 1, p]) {
      if (q < 0 || q >= len) continue;
      const e = t.at(l, q);
      const d = Math.abs(this.x(R[e]) - mx);
      if (d < dist) { dist = d; best = e; }
    }
    return best;
  }

  redraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const start = performance.now();
      this.draw();
      this.frameTimes.push(performance.now() - start);
      if (this.frameTimes.length > 600) this.frameTimes.shift();
    });
  }

  draw() {
    const c = this.canvas, t = this.t, R = this.ranks;
    const dpr = window.devicePixelRatio || 1;
    const W = c.clientWidth, H = c.clientHeight;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    const g = /** @type {CanvasRenderingContext2D} */ (c.getContext("2d"));
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    g.font = "12px system-ui, sans-serif";
    const r0 = this.x0 - 1, r1 = this.x0 + (W - LABEL_W) / this.zoom + 1;
    const l0 = Math.max(0, Math.floor((this.y0 - TOP) / this.laneH));
    const l1 = Math.min(t.laneCount - 1, Math.ceil((this.y0 + H - TOP) / this.laneH));

    // Causal pasts of the highlighted events, as bands on each lane.
    const tints = ["rgba(66,153,225,0.16)", "rgba(237,137,54,0.18)"];
    this.pasts.forEach((past, k) => {
      g.fillStyle = tints[k % 2];
      for (let l = l0; l <= l1; l++) {
        if (past[l] < 0) continue;
        const xa = Math.max(LABEL_W, this.x(R[t.at(l, 0)]) - 6);
        const xb = Math.min(W, this.x(R[t.at(l, past[l])]) + 6);
        const band = (this.laneH - 6) / 2;
        if (xb > xa) g.fillRect(xa, this.y(l) - this.laneH / 2 + 3 + k * band, xb - xa, band);
      }
    });

    // Lanes and their events; dense lanes as ticks, filled at once.
    const ticks = new Path2D();
    /** Event dots by colour, one fill each. @type {Map<string, Path2D>} */
    const nodes = new Map();
    /** Collapsed runs: x, y, length. @type {[number, number, number][]} */
    const runs = [];
    for (let l = l0; l <= l1; l++) {
      const y = this.y(l);
      g.strokeStyle = "#cbd5e0";
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(LABEL_W, y);
      g.lineTo(W, y);
      g.stroke();
      const len = t.laneLength(l);
      let p = lowerBound(0, len, (q) => R[t.at(l, q)] >= r0);
      const pEnd = lowerBound(p, len, (q) => R[t.at(l, q)] > r1);
      // Dots closer than a few pixels overlap: ticks are cheaper and as clear.
      if (pEnd - p > (W - LABEL_W) / 6) {
        // Denser than pixels: one tick per occupied column.
        for (let px = LABEL_W; px < W && p < pEnd; px += 2) {
          const rEnd = this.x0 + (px + 2 - LABEL_W) / this.zoom;
          const q = lowerBound(p, pEnd, (i) => R[t.at(l, i)] >= rEnd);
          if (q > p) ticks.rect(px, y - 6, 2, 12);
          p = q;
        }
        continue;
      }
      for (; p < pEnd; p++) {
        const e = t.at(l, p);
        let run = 1;
        while (this.collapsed && p + 1 < pEnd && R[t.at(l, p + 1)] === R[e]) { p++; run++; }
        const x = this.x(R[e]);
        if (run > 1) {
          runs.push([x, y, run]);
          continue;
        }
        const color = kindColor(t.kind[e]);
        let dots = nodes.get(color);
        if (!dots) { dots = new Path2D(); nodes.set(color, dots); }
        const r = t.isError(e) ? 6 : 4.5;
        dots.moveTo(x + r, y);
        dots.arc(x, y, r, 0, Math.PI * 2);
      }
    }
    for (const [color, dots] of nodes) {
      g.fillStyle = color;
      g.fill(dots);
    }
    for (const [x, y, run] of runs) {
      g.fillStyle = "#718096";
      g.beginPath();
      g.roundRect(x - 9, y - 7, 18, 14, 4);
      g.fill();
      g.fillStyle = "#fff";
      g.fillText(String(run), x - 6, y + 4);
    }

    g.fillStyle = "#4a5568";
    g.fill(ticks);
    this.drawEdges(g, r0, r1, W);
    this.drawPath(g);

    // Rings: highlighted, picked, cursor.
    const ring = (/** @type {number} */ e, /** @type {string} */ color, /** @type {number} */ radius) => {
      const x = this.x(R[e]), y = this.y(t.lane[e]);
      g.strokeStyle = color;
      g.lineWidth = 3;
      g.beginPath();
      g.arc(x, y, radius, 0, Math.PI * 2);
      g.stroke();
    };
    for (const e of this.highlight) ring(e, "#e53e3e", 9);
    if (this.picked >= 0) ring(this.picked, "#2d3748", 11);
    if (this.cursor >= 0 && this.cursor < t.n) {
      const e = t.order[this.cursor];
      const x = this.x(R[e]);
      g.strokeStyle = "rgba(49,130,206,0.8)";
      g.lineWidth = 1.5;
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(x, TOP - 4);
      g.lineTo(x, H);
      g.stroke();
      g.setLineDash([]);
      ring(e, "#3182ce", 8);
    }

    // Labels over everything on the left.
    g.fillStyle = "#fff";
    g.fillRect(0, 0, LABEL_W, H);
    g.fillStyle = "#1a202c";
    for (let l = l0; l <= l1; l++) {
      const name = t.laneName(l);
      g.fillText(name.length > 30 ? `${name.slice(0, 29)}…` : name, 6, this.y(l) + 4);
    }
    g.fillStyle = "#718096";
    g.fillText(`rank ${Math.max(0, Math.floor(this.x0))}–${Math.floor(r1)}${this.collapsed ? " (local runs collapsed)" : ""}`, 6, 14);
  }

  /**
   * Cross-lane (and backward) edges that span the view, at most 4000 (1500
   * zoomed out): one path per kind (one stroke each), with arrow heads when
   * zoomed in.
   * @param {CanvasRenderingContext2D} g @param {number} r0 @param {number} r1 @param {number} W
   */
  drawEdges(g, r0, r1, W) {
    const t = this.t, R = this.ranks, m = t.edgeFrom.length, H = this.canvas.clientHeight;
    const paths = EDGE_COLORS.map(() => new Path2D());
    const heads = EDGE_COLORS.map(() => new Path2D());
    const arrows = this.zoom >= 3;
    const hidden = this.hiddenKinds;
    let drawn = 0;
    const cap = arrows ? 4000 : 1500;
    for (let i = 0; i < m && drawn < cap; i++) {
      const kind = t.edgeKind[i];
      if (hidden.size && hidden.has(kind)) continue;
      const a = t.edgeFrom[i], b = t.edgeTo[i];
      const ra = R[a], rb = R[b];
      if (Math.max(ra, rb) < r0 || Math.min(ra, rb) > r1) continue;
      const xa = this.x(ra), ya = this.y(t.lane[a]);
      const xb = this.x(rb), yb = this.y(t.lane[b]);
      if (Math.min(ya, yb) > H || Math.max(ya, yb) < 0) continue;
      if (Math.max(xa, xb) < LABEL_W || Math.min(xa, xb) > W) continue;
      drawn++;
      const path = paths[kind] ?? paths[0];
      path.moveTo(xa, ya);
      if (ya === yb) path.quadraticCurveTo((xa + xb) / 2, ya - this.laneH * 0.7, xb, yb);
      else path.lineTo(xb, yb);
      if (arrows) {
        const ang = Math.atan2(yb - ya, xb - xa);
        const head = heads[kind] ?? heads[0];
        head.moveTo(xb - 5 * Math.cos(ang), yb - 5 * Math.sin(ang));
        head.lineTo(xb - 11 * Math.cos(ang - 0.4), yb - 11 * Math.sin(ang - 0.4));
        head.lineTo(xb - 11 * Math.cos(ang + 0.4), yb - 11 * Math.sin(ang + 0.4));
        head.closePath();
      }
    }
    // Zoomed out, edges overlap: draw them fainter. One-pixel lines take
    // the rasterizer's fast path (wider ones cost several times as much
    // without a GPU).
    g.globalAlpha = arrows ? 1 : 0.35;
    g.lineWidth = 1;
    paths.forEach((path, k) => {
      g.strokeStyle = EDGE_COLORS[k];
      g.stroke(path);
      if (arrows) {
        g.fillStyle = EDGE_COLORS[k];
        g.fill(heads[k]);
      }
    });
    g.globalAlpha = 1;
  }

  /** The critical path, as one thick line. @param {CanvasRenderingContext2D} g */
  drawPath(g) {
    if (this.path.length < 2) return;
    const R = this.ranks;
    g.strokeStyle = "rgba(214,158,46,0.75)";
    g.lineWidth = 5;
    g.beginPath();
    this.path.forEach((e, i) => {
      const x = this.x(R[e]), y = this.y(this.t.lane[e]);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
  }
}
