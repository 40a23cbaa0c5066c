// Wires the views together: reads the two data blocks, renders the
// summary and findings, and links selection between the findings, the
// lanes, the cursor and the event panel. When the page is ready its root
// element gets `data-ready` and `data-render-ms` (time from script start to
// the first complete render), which the browser tests and the benchmark
// read.

/**
 * The event panel: metadata, value, location, parent, children and edges.
 * @param {HTMLElement} panel
 * @param {Trace} t
 * @param {number} e
 * @param {(e: number) => void} go
 */
function showEvent(panel, t, e, go) {
  const link = (/** @type {number} */ x) => {
    const b = h("button", { type: "button", class: "linkish", "data-event": x }, `${t.label(x)} (${t.laneName(t.lane[x])})`);
    b.addEventListener("click", () => go(x));
    return b;
  };
  const children = [...t.children(e).subarray(0, 50)];
  const edges = [];
  for (let k = t.incoming.start[e]; k < t.incoming.start[e + 1]; k++) {
    const i = t.incoming.list[k];
    edges.push(h("li", null, `${t.data.edge_kinds[t.edgeKind[i]]} from `, link(t.edgeFrom[i])));
  }
  for (let k = t.outgoing.start[e]; k < t.outgoing.start[e + 1]; k++) {
    const i = t.outgoing.list[k];
    edges.push(h("li", null, `${t.data.edge_kinds[t.edgeKind[i]]} to `, link(t.edgeTo[i])));
  }
  const meta = t.meta(e);
  const field = (/** @type {string} */ name, /** @type {Node | string | null} */ value) =>
    value === null ? null : [h("dt", null, name), h("dd", null, value)];
  const fields = [
    field("kind", t.kindName(e)),
    field("id", t.id(e)),
    field("lane", t.laneName(t.lane[e])),
    field("trace", t.traceId(e)),
    field("location", t.location(e)),
    field("function", t.func(e)),
    field("subject", t.subject(e)),
    field("value", t.value(e)),
    field("time", `+${fmtDuration(t.ts[e])}`),
    field("input", `${t.file(e)}:${t.line[e]}`),
    field("rank", `${t.rank[e]} (event ${t.pos[e] + 1} of its lane)`),
    field("parent", t.parent[e] >= 0 ? link(t.parent[e]) : "none"),
  ].flat().filter((x) => x !== null);
  fill(panel, h("h3", null, "Event"),
    h("dl", { class: "fields", id: "event-fields", "data-event": e, "data-event-id": t.id(e) ?? "" }, .../** @type {Node[]} */ (fields)),
    children.length ? h("h4", null, "Children") : null,
    children.length ? h("ul", null, ...children.map((c) => h("li", null, link(c)))) : null,
    edges.length ? h("h4", null, "Happens-before edges") : null,
    edges.length ? h("ul", null, ...edges) : null,
    h("h4", null, "Metadata"),
    meta === null ? h("p", { class: "meta" }, "not in this page (see the notes at the top)")
      : h("pre", { class: "metadata" }, JSON.stringify(meta, null, 2)));
}

/**
 * A count with its noun.
 * @param {number} n @param {string} one @param {string} [many]
 */
function count(n, one, many) { return `${n} ${n === 1 ? one : many ?? `${one}s`}`; }

function main() {
  const started = performance.now();
  const report = readBlock("causeway-report");
  const data = readBlock("causeway-trace");
  const s = report.summary;
  fill(/** @type {HTMLElement} */ (document.getElementById("summary")),
    `${report.inputs.join(", ")}: ${count(s.events, "event")}, ${count(s.traces, "trace")}; ${count(s.races, "race group")}, ${count(s.anomalies, "anomaly", "anomalies")}, ${count(s.errors, "error")}; ${count(s.bad_lines, "bad line")}; clocks ${s.clocks}.`);
  const trace = data === null ? null : new Trace(data);
  const omitted = /** @type {HTMLElement} */ (document.getElementById("omitted"));
  if (trace) fill(omitted, ...trace.data.omitted.map((o) => h("li", null, `Left out of this page: ${o}.`)));
  else fill(omitted, h("li", null, "This page holds the findings only (rendered without the recording)."));

  /** @type {LanesView | null} */
  let lanes = null;
  /** @type {TimeTravel | null} */
  let tt = null;
  /** @type {CriticalPath | null} */
  let cp = null;
  /** The event whose trace the critical path shows once it is built. */
  let pendingTrace = -1;
  /** Views built when first shown (large traces have many calls and traces). @type {Record<string, () => void>} */
  const lazy = {};
  const eventPanel = /** @type {HTMLElement} */ (document.getElementById("event-detail"));

  const list = /** @type {HTMLElement} */ (document.getElementById("findings"));
  const findings = new FindingsView(list, report, trace, (f) => {
    showTab("lanes");
    if (!lanes || !tt || !trace) return;
    lanes.setHighlight(f.events);
    if (f.events.length) {
      tt.moveToEvent(f.events[0]);
      lanes.reveal(f.events);
      pendingTrace = f.events[f.events.length - 1];
      cp?.chooseTraceOf(pendingTrace);
    }
  });
  fill(/** @type {HTMLElement} */ (document.getElementById("findings-count")), `(${findings.findings.length})`);

  const tabs = /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#tabs [data-tab]"));
  const showTab = (/** @type {string} */ name) => {
    for (const tab of tabs) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    for (const view of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-view]"))) {
      view.hidden = view.dataset.view !== name;
    }
    const build = lazy[name];
    if (build) {
      delete lazy[name];
      build();
    }
    if (name === "lanes") lanes?.redraw();
  };
  for (const tab of tabs) tab.addEventListener("click", () => showTab(tab.dataset.tab ?? "lanes"));

  if (trace) {
    const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("lanes-canvas"));
    const go = (/** @type {number} */ e) => tt?.moveToEvent(e);
    lanes = new LanesView(canvas, /** @type {HTMLElement} */ (document.getElementById("lanes-status")), trace, go);
    tt = new TimeTravel(/** @type {HTMLElement} */ (document.getElementById("timetravel")), trace, (step) => {
      const e = trace.order[step];
      lanes?.setCursor(step);
      lanes?.setPicked(e);
      showEvent(eventPanel, trace, e, go);
    });
    const legend = /** @type {HTMLElement} */ (document.getElementById("legend"));
    fill(legend, ...trace.data.edge_kinds.map((k, i) => {
      const swatch = h("i", null);
      swatch.style.background = EDGE_COLORS[i];
      const box = /** @type {HTMLInputElement} */ (h("input", { type: "checkbox", "data-edge-kind": k, "aria-label": `show ${k} edges` }));
      box.checked = true;
      box.addEventListener("change", () => lanes?.showKind(i, box.checked));
      return h("label", null, box, swatch, k);
    }));
    const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
    byId("zoom-in").addEventListener("click", () => lanes?.zoomTo(lanes.zoom * 1.5, lanes.x0 + (canvas.clientWidth - LABEL_W) / 2 / lanes.zoom, LABEL_W + (canvas.clientWidth - LABEL_W) / 2));
    byId("zoom-out").addEventListener("click", () => lanes?.zoomTo(lanes.zoom / 1.5, lanes.x0 + (canvas.clientWidth - LABEL_W) / 2 / lanes.zoom, LABEL_W + (canvas.clientWidth - LABEL_W) / 2));
    byId("zoom-fit").addEventListener("click", () => lanes?.fit());
    byId("collapse").addEventListener("change", (ev) => lanes?.setCollapsed(/** @type {HTMLInputElement} */ (ev.target).checked));
    lazy.flame = () => new FlameView(byId("view-flame"), trace);
    lazy.critical = () => {
      cp = new CriticalPath(byId("view-critical"), trace, (events) => { showTab("lanes"); lanes?.setPath(events); lanes?.reveal(events); });
      if (pendingTrace >= 0) cp.chooseTraceOf(pendingTrace);
    };
    lanes.fit();
    if (trace.n > 0) tt.moveTo(0);
  } else {
    for (const id of ["view-lanes", "view-flame", "view-critical"]) {
      fill(/** @type {HTMLElement} */ (document.getElementById(id)), h("p", { class: "meta" }, "No trace data in this page."));
    }
  }
  renderCompare(/** @type {HTMLElement} */ (document.getElementById("view-compare")), report, findings.findings);
  requestAnimationFrame(() => {
    document.documentElement.dataset.renderMs = String(Math.round(performance.now() - started));
    document.documentElement.dataset.ready = "true";
  });
}

main();
