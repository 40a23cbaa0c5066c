// The critical path of a trace and the comparison of the recordings given
// together.
//
// Critical path: the longest causal path of a trace, in events (program
// order and sync edges between the trace's events; of paths as long, the
// one whose steps come latest, as a critical path follows the predecessor
// that finished last). One pass in cursor order (a linear extension, so
// every predecessor comes first): each event keeps the predecessor that
// gives it the longest path, and the path ends at the event with the
// longest. Its duration is the time from its first event to its last.
//
// Comparison: with two or more input files, which findings (by fingerprint)
// have events in which file; the ones only in one file stand out.

/** Traces listed in the trace pickers (the largest ones). */
const MAX_TRACE_OPTIONS = 300;

class CriticalPath {
  /**
   * @param {HTMLElement} root
   * @param {Trace} trace
   * @param {(events: number[]) => void} onShow
   */
  constructor(root, trace, onShow) {
    this.t = trace;
    this.onShow = onShow;
    // The largest traces are listed; a finding's trace is added when chosen.
    this.select = /** @type {HTMLSelectElement} */ (h("select", { id: "cp-trace", "aria-label": "trace" },
      ...trace.largestTraces(MAX_TRACE_OPTIONS).map(({ trace: s, events }) =>
        h("option", { value: s }, `trace ${trace.strings[s]} (${events} events)`))));
    this.out = h("div", { id: "cp-out" });
    const show = h("button", { type: "button" }, "Show on the lanes");
    show.addEventListener("click", () => this.onShow(this.path));
    fill(root, h("div", { class: "toolbar" }, this.select, show), this.out);
    this.select.addEventListener("change", () => this.compute());
    /** @type {number[]} */
    this.path = [];
    this.compute();
  }

  /** Shows the critical path of the trace an event is in. @param {number} e */
  chooseTraceOf(e) {
    const s = String(this.t.traceOf(e));
    if (![...this.select.options].some((o) => o.value === s)) {
      this.select.append(h("option", { value: s }, `trace ${this.t.traceId(e)}`));
    }
    this.select.value = s;
    this.compute();
  }

  compute() {
    const t = this.t, id = Number(this.select.value);
    const n = t.n;
    const dist = new Int32Array(n).fill(-1);
    const from = new Int32Array(n).fill(-1);
    const lastOnLane = new Int32Array(t.laneCount).fill(-1);
    let end = -1;
    for (let s = 0; s < n; s++) {
      const e = t.order[s];
      if (t.traceOf(e) !== id) continue;
      let best = 0, arg = -1;
      const consider = (/** @type {number} */ p) => {
        if (p < 0 || dist[p] < 0) return;
        const d = dist[p] + 1;
        if (d > best || (d === best && arg >= 0 && t.ts[p] > t.ts[arg])) { best = d; arg = p; }
      };
      consider(lastOnLane[t.lane[e]]);
      for (let k = t.incoming.start[e]; k < t.incoming.start[e + 1]; k++) {
        const p = t.edgeFrom[t.incoming.list[k]];
        if (t.traceOf(p) === id) consider(p);
      }
      dist[e] = best;
      from[e] = arg;
      lastOnLane[t.lane[e]] = e;
      if (end < 0 || best > dist[end] || (best === dist[end] && t.ts[e] >= t.ts[end])) end = e;
    }
    /** @type {number[]} */
    const path = [];
    for (let e = end; e >= 0 && path.length <= n; e = from[e]) path.push(e);
    path.reverse();
    this.path = path;
    const rows = path.map((e, i) => h("li", { "data-event": e, "data-event-id": t.id(e) ?? "" },
      h("span", { class: "meta" }, i === 0 ? "start" : `+${fmtDuration(t.ts[e] - t.ts[path[i - 1]])}`), ` ${t.label(e)} `,
      h("span", { class: "meta" }, `${t.laneName(t.lane[e])} at ${t.location(e)}`)));
    const total = path.length ? t.ts[path[path.length - 1]] - t.ts[path[0]] : 0;
    fill(this.out, h("p", { id: "cp-total", "data-total-ns": total },
      `${path.length} events, ${fmtDuration(total)} from the first to the last.`),
    h("ol", { class: "cp-path" }, ...rows));
  }
}

/**
 * The comparison of the input files: a table of findings by file.
 * @param {HTMLElement} root
 * @param {any} report
 * @param {Finding[]} findings
 */
function renderCompare(root, report, findings) {
  const inputs = /** @type {string[]} */ (report.inputs ?? []);
  if (inputs.length < 2) {
    fill(root, h("p", { class: "meta" }, "Give two recordings together (causeway analyze PASS.jsonl FAIL.jsonl --format html) to compare their findings."));
    return;
  }
  /** @param {Finding} f */
  const filesOf = (f) => new Set(f.group === "race"
    ? f.json.accesses.map((/** @type {any} */ a) => a.input.file)
    : [f.json.input.file]);
  /** @type {Map<string, {finding: Finding, files: Set<string>}>} */
  const byPrint = new Map();
  for (const f of findings) {
    const entry = byPrint.get(f.json.fingerprint) ?? { finding: f, files: new Set() };
    for (const file of filesOf(f)) entry.files.add(file);
    byPrint.set(f.json.fingerprint, entry);
  }
  const rows = [...byPrint.values()].map(({ finding, files }) => h("tr",
    { "data-finding": finding.json.fingerprint, class: files.size < inputs.length ? "only" : "both" },
    h("td", null, finding.title),
    ...inputs.map((file) => h("td", { class: "mark" }, files.has(file) ? "✓" : "—"))));
  const only = inputs.map((file) => {
    const n = [...byPrint.values()].filter((v) => v.files.size === 1 && v.files.has(file)).length;
    return h("li", { "data-input": file }, `only in ${file}: ${n}`);
  });
  fill(root, h("ul", { id: "compare-summary" }, ...only),
    h("table", { id: "compare" }, h("tr", null, h("th", null, "finding"), ...inputs.map((f) => h("th", null, f))), ...rows));
}
