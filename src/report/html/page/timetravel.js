// The time-travel cursor: steps through the recording in a linear extension
// of happens-before (by rank, then file order) and shows the state at the
// cursor: each variable's value as of the cursor's event (the last writes in
// its causal past, and the writes so far concurrent with it), for a read
// every write it could have seen, and per lane the calls open and the locks
// held.
//
// Keys (while the page has focus outside a text field): ← → one event;
// Shift+← → one event on the cursor's lane; Alt+← → (or [ ]) the previous
// or next access of the cursor's variable; Home End the first and last.

/** Variables listed at the cursor, most recently written first. */
const MAX_VARS = 40;
/** Concurrent writes listed for a read. */
const MAX_WRITES = 50;
/** Writes of a variable looked at per step, latest first. */
const SCAN_WRITES = 400;
/** Writes looked at past the first one in the causal past, for other lanes' last writes. */
const SCAN_OTHER_LANES = 64;

class TimeTravel {
  /**
   * @param {HTMLElement} panel
   * @param {Trace} trace
   * @param {(step: number) => void} onMove
   */
  constructor(panel, trace, onMove) {
    this.panel = panel;
    this.t = trace;
    this.onMove = onMove;
    this.step = -1;
    const button = (/** @type {string} */ label, /** @type {string} */ title, /** @type {() => void} */ act) => {
      const b = h("button", { type: "button", title, "aria-label": title }, label);
      b.addEventListener("click", act);
      return b;
    };
    this.head = h("div", { class: "tt-head" });
    this.body = h("div", { class: "tt-body" });
    fill(panel,
      h("div", { class: "tt-controls", role: "toolbar", "aria-label": "time travel" },
        button("⇤", "first event (Home)", () => this.moveTo(0)),
        button("◀", "previous event (←)", () => this.moveBy("event", -1)),
        button("▶", "next event (→)", () => this.moveBy("event", 1)),
        button("◀ lane", "previous event on this lane (Shift+←)", () => this.moveBy("lane", -1)),
        button("lane ▶", "next event on this lane (Shift+→)", () => this.moveBy("lane", 1)),
        button("◀ var", "previous access of this variable (Alt+← or [)", () => this.moveBy("variable", -1)),
        button("var ▶", "next access of this variable (Alt+→ or ])", () => this.moveBy("variable", 1)),
        button("⇥", "last event (End)", () => this.moveTo(this.t.n - 1))),
      this.head, this.body);
    document.addEventListener("keydown", (ev) => this.key(ev));
  }

  /** @param {KeyboardEvent} ev */
  key(ev) {
    const target = /** @type {HTMLElement | null} */ (ev.target);
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
    if (this.panel.closest("[hidden]")) return;
    /** @type {[string, number] | null} */
    let move = null;
    if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
      const dir = ev.key === "ArrowRight" ? 1 : -1;
      move = [ev.altKey ? "variable" : ev.shiftKey ? "lane" : "event", dir];
    } else if (ev.key === "]" || ev.key === "[") {
      move = ["variable", ev.key === "]" ? 1 : -1];
    } else if (ev.key === "Home") {
      ev.preventDefault();
      this.moveTo(0);
      return;
    } else if (ev.key === "End") {
      ev.preventDefault();
      this.moveTo(this.t.n - 1);
      return;
    }
    if (!move) return;
    ev.preventDefault();
    this.moveBy(move[0], move[1]);
  }

  /**
   * @param {string} how "event", "lane" or "variable"
   * @param {number} dir 1 or -1
   */
  moveBy(how, dir) {
    const t = this.t;
    if (this.step < 0) { this.moveTo(dir > 0 ? 0 : t.n - 1); return; }
    const e = t.order[this.step];
    if (how === "event") this.moveTo(this.step + dir);
    else if (how === "lane") {
      const p = t.pos[e] + dir;
      if (p >= 0 && p < t.laneLength(t.lane[e])) this.moveTo(t.step[t.at(t.lane[e], p)]);
    } else {
      const v = t.varOf[e];
      if (v < 0) return;
      const list = t.vars[v].accesses;
      const i = list.indexOf(e) + dir;
      if (i >= 0 && i < list.length) this.moveTo(t.step[list[i]]);
    }
  }

  /** Puts the cursor on an event. @param {number} e */
  moveToEvent(e) { this.moveTo(this.t.step[e]); }

  /** @param {number} step */
  moveTo(step) {
    if (this.t.n === 0) return;
    this.step = Math.min(this.t.n - 1, Math.max(0, step));
    this.render();
    this.onMove(this.step);
  }

  render() {
    const t = this.t, s = this.step, e = t.order[s];
    fill(this.head,
      h("p", { id: "tt-event", "data-event": e, "data-event-id": t.id(e) ?? "", "data-step": s },
        h("strong", null, `Step ${s + 1} of ${t.n}: `), t.label(e),
        h("span", { class: "meta" }, ` on ${t.laneName(t.lane[e])} at ${t.location(e)}, +${fmtDuration(t.ts[e])}`)));
    const parts = [];
    if (t.kind[e] === KIND.READ) parts.push(this.writesSeen(e));
    parts.push(this.variables(s), this.lanes(s));
    fill(this.body, ...parts);
  }

  /** The writes a read could have seen. @param {number} r */
  writesSeen(r) {
    const t = this.t;
    const { last, concurrent } = t.visibleWrites(r);
    const item = (/** @type {number} */ w, /** @type {string} */ why) =>
      h("li", { class: why, "data-event": w, "data-event-id": t.id(w) ?? "" },
        h("span", { class: "badge" }, why === "last" ? "last before" : "concurrent"),
        ` ${t.label(w)} on ${t.laneName(t.lane[w])} at ${t.location(w)}`);
    const list = h("ul", { id: "tt-writes" },
      ...last.map((w) => item(w, "last")),
      ...concurrent.slice(0, MAX_WRITES).map((w) => item(w, "concurrent")));
    if (!last.length && !concurrent.length) list.append(h("li", { class: "meta" }, "no write to this variable could be seen: it was never written"));
    if (concurrent.length > MAX_WRITES) list.append(h("li", { class: "meta" }, `${concurrent.length - MAX_WRITES} more concurrent writes`));
    return h("section", null, h("h4", null, `Writes this read of ${t.subject(r)} could have seen`), list);
  }

  /**
   * Each variable's value as of the cursor's event: the last writes in its
   * causal past (more than one when those race with each other), and the
   * writes so far that are concurrent with the event.
   * @param {number} s
   */
  variables(s) {
    const t = this.t, e = t.order[s];
    const past = t.past(e);
    // Causal pasts of candidate writes cost a walk each: a budget per step.
    let budget = Math.max(1, Math.floor(2e6 / Math.max(1, t.n)));
    /** @type {{v: number, last: number[], racing: number[], resolved: boolean, latest: number}[]} */
    const rows = [];
    t.vars.forEach((v, i) => {
      let k = lowerBound(0, v.writes.length, (j) => t.step[v.writes[j]] > s) - 1;
      /** @type {Map<number, number>} the latest write in the past, per lane */
      const perLane = new Map();
      /** @type {number[]} */
      const racing = [];
      let extra = -1;
      for (let scanned = 0; k >= 0 && scanned < SCAN_WRITES && extra !== 0; k--, scanned++, extra--) {
        const w = v.writes[k];
        if (w === e || t.before(w, past, e)) {
          if (!perLane.has(t.lane[w])) perLane.set(t.lane[w], w);
          if (extra < 0) extra = SCAN_OTHER_LANES;
        } else racing.push(w);
      }
      if (!perLane.size && !racing.length) return;
      const last = [...perLane.values()].sort((x, y) => t.step[y] - t.step[x]);
      const latest = Math.max(last.length ? t.step[last[0]] : -1, racing.length ? t.step[racing[0]] : -1);
      rows.push({ v: i, last, racing, resolved: last.length < 2, latest });
    });
    rows.sort((a, b) => b.latest - a.latest);
    const shown = rows.slice(0, MAX_VARS);
    // Of the candidates, keep those no other candidate follows.
    for (const row of shown) {
      if (row.resolved || budget <= 0) continue;
      /** @type {number[]} */
      const kept = [];
      /** @type {Int32Array[]} */
      const pasts = [];
      for (const w of row.last) {
        if (pasts.some((p, j) => t.before(w, p, kept[j]))) continue;
        kept.push(w);
        if (budget-- > 0) pasts.push(t.past(w));
        else break;
      }
      row.resolved = budget >= 0;
      row.last = row.resolved ? kept : row.last;
    }
    const value = (/** @type {number} */ w, /** @type {number} */ max) => clip(t.value(w) ?? "?", max);
    const trs = shown.map(({ v, last, racing, resolved }) => {
      const variable = t.vars[v];
      return h("tr", { "data-variable": variable.name, class: last.length > 1 || racing.length ? "racing" : null },
        h("td", null, variable.name, variable.service === null ? " (global)" : ""),
        h("td", { class: "value" }, last.length ? last.map((w) => value(w, 40)).join(" | ") : "unset",
          last.length > 1 ? h("span", { class: "meta" }, resolved ? " (racing writes)" : " (order not worked out)") : null),
        h("td", { class: "meta" }, last.length ? last.map((w) => `${t.laneName(t.lane[w])} at ${t.location(w)}`).join(" | ") : "no write in its causal past"),
        h("td", { class: "value" }, racing.length
          ? `${racing.length}: ${racing.slice(0, 3).map((x) => value(x, 20)).join(", ")}${racing.length > 3 ? ", …" : ""}`
          : "—"));
    });
    return h("section", null, h("h4", null, `Variables as of this event (${rows.length} written so far)`),
      h("p", { class: "meta" }, "The last writes in the event's causal past, and the writes so far that are concurrent with it."),
      trs.length ? h("table", { id: "tt-vars" }, h("tr", null, h("th", null, "variable"), h("th", null, "value"), h("th", null, "written by"), h("th", null, "concurrent writes")), ...trs)
        : h("p", { class: "meta" }, "nothing written yet"),
      rows.length > MAX_VARS ? h("p", { class: "meta" }, `${rows.length - MAX_VARS} more variables`) : null);
  }

  /** Open calls and held locks on each lane at a step. @param {number} s */
  lanes(s) {
    const t = this.t;
    const rows = [];
    for (let l = 0; l < t.laneCount; l++) {
      const p = t.laneAtStep(l, s);
      if (p < 0) continue;
      const e = t.at(l, p);
      const calls = t.stackAt(e).filter((k) => t.callExit[k] < 0 || t.step[t.callExit[k]] > s)
        .map((k) => t.func(t.callEntry[k]) ?? "?");
      const locks = t.locksHeld(l, p);
      rows.push(h("tr", { "data-lane": l },
        h("td", null, t.laneName(l)),
        h("td", null, calls.length ? calls.reverse().join(" › ") : "—"),
        h("td", null, locks.length ? locks.join(", ") : "—")));
    }
    return h("section", null, h("h4", null, "Lanes at this step"),
      h("table", { id: "tt-lanes" }, h("tr", null, h("th", null, "lane"), h("th", null, "open calls"), h("th", null, "locks held")), ...rows));
  }
}
