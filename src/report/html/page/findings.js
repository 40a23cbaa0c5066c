// The findings list: races, anomalies and errors in the JSON report's order
// (its `races`, `anomalies` and `errors` arrays, one after another), each
// an element with `data-finding="<fingerprint>"`. A selected finding opens
// its details: for each access (or the error) the call stack and the causal
// chain, and for a race why neither access happens before the other.

/**
 * @typedef {Object} Finding
 * @property {"race" | "anomaly" | "error"} group
 * @property {any} json the finding as the JSON report has it
 * @property {string} title
 * @property {number[]} events the events to highlight (the two accesses, or the finding's event)
 */

/**
 * The report's findings in its order.
 * @param {any} report
 * @returns {Finding[]}
 */
function reportFindings(report) {
  /** @type {Finding[]} */
  const all = [];
  for (const r of report.races ?? []) {
    const where = r.service === null ? "global" : `service ${r.service}`;
    all.push({ group: "race", json: r, title: `data race on ${r.variable} (${where})`, events: [] });
  }
  for (const a of report.anomalies ?? []) {
    all.push({ group: "anomaly", json: a, title: `${a.code}: ${a.description}`, events: [] });
  }
  for (const e of report.errors ?? []) {
    const type = e.error_type ? `${e.error_type}: ` : "";
    all.push({ group: "error", json: e, title: `${e.code}: ${type}${e.message}`, events: [] });
  }
  return all;
}

/**
 * The event a report entry names, by its input line (exact even where
 * redaction changed ids), else by id.
 * @param {Trace | null} trace
 * @param {{event_id?: string, input?: {file: string, line: number}}} entry
 * @returns {number}
 */
function eventOf(trace, entry) {
  if (!trace) return -1;
  const byId = entry.event_id !== undefined ? trace.byId.get(entry.event_id) : undefined;
  if (byId !== undefined && (!entry.input || trace.line[byId] === entry.input.line)) return byId;
  if (entry.input) {
    for (const e of trace.byId.values()) {
      if (trace.line[e] === entry.input.line && trace.file(e) === entry.input.file) return e;
    }
  }
  return byId ?? -1;
}

class FindingsView {
  /**
   * @param {HTMLElement} list
   * @param {any} report
   * @param {Trace | null} trace
   * @param {(f: Finding) => void} onSelect
   */
  constructor(list, report, trace, onSelect) {
    this.list = list;
    this.trace = trace;
    this.findings = reportFindings(report);
    this.onSelect = onSelect;
    /** @type {HTMLElement | null} */
    this.selected = null;
    for (const f of this.findings) {
      if (f.group === "race") f.events = f.json.accesses.map((/** @type {any} */ a) => eventOf(trace, a));
      else f.events = [eventOf(trace, f.json)];
      f.events = f.events.filter((e) => e >= 0);
    }
    this.render();
  }

  render() {
    if (this.findings.length === 0) {
      fill(this.list, h("li", { class: "empty" }, "No findings."));
      return;
    }
    const items = this.findings.map((f, i) => {
      const j = f.json;
      const head = h("button", { type: "button", class: "finding-head", "aria-expanded": "false" },
        h("span", { class: `badge ${f.group} sev-${j.severity}` }, f.group === "race" ? "race" : j.code),
        h("span", { class: "finding-title" }, f.title),
        h("span", { class: "finding-where" }, f.group === "race" ? j.locations.join(" ↔ ") : j.location));
      const li = h("li", { class: `finding ${f.group}`, "data-finding": j.fingerprint, "data-index": i }, head);
      head.addEventListener("click", () => this.select(i));
      return li;
    });
    fill(this.list, ...items);
  }

  /** Opens a finding's details and tells the other views. @param {number} i */
  select(i) {
    const f = this.findings[i];
    const li = /** @type {HTMLElement} */ (this.list.children[i]);
    if (this.selected && this.selected !== li) {
      this.selected.classList.remove("selected");
      this.selected.querySelector(".finding-body")?.remove();
      this.selected.querySelector(".finding-head")?.setAttribute("aria-expanded", "false");
    }
    this.selected = li;
    li.classList.add("selected");
    li.querySelector(".finding-head")?.setAttribute("aria-expanded", "true");
    if (!li.querySelector(".finding-body")) li.append(this.body(f));
    this.onSelect(f);
  }

  /** @param {Finding} f */
  body(f) {
    const j = f.json;
    const body = h("div", { class: "finding-body" });
    if (f.group === "race") {
      j.accesses.forEach((/** @type {any} */ a, /** @type {number} */ k) => {
        body.append(h("section", { class: "access", "data-event-id": a.event_id },
          h("h4", null, `${k === 0 ? "First" : "Second"} access: ${a.access} at ${a.location}`),
          h("p", { class: "meta" }, `${a.service} / ${a.thread}`, a.function ? ` in ${a.function}` : "",
            a.value !== null && a.value !== undefined ? `, value ${clip(JSON.stringify(a.value))}` : "",
            `, ${a.input.file}:${a.input.line}`),
          this.stack(f.events[k]),
          chain(a.steps)));
      });
      body.append(this.why(f));
    } else {
      body.append(h("p", { class: "meta" }, `${j.service} / ${j.thread} at ${j.location}`,
        j.function ? ` in ${j.function}` : "", `, ${j.input.file}:${j.input.line}`));
      if (f.group === "anomaly") {
        body.append(h("p", null, `score ${j.score}, confidence ${j.confidence}, ${j.affected_events.length} events involved`));
      }
      body.append(this.stack(f.events[0]));
      if (j.steps) body.append(chain(j.steps));
      if (j.racy_reads && j.racy_reads.length) {
        body.append(h("h4", null, "Values from racing writes"),
          h("ul", { class: "racy-reads" }, ...j.racy_reads.map((/** @type {any} */ r) =>
            h("li", null, `${r.explanation} (read at ${r.read_location}, write at ${r.write_location} on ${r.write_thread})`))));
      }
    }
    body.append(h("p", { class: "help" }, j.help));
    return body;
  }

  /** The call stack at an event, innermost first. @param {number} e */
  stack(e) {
    const t = this.trace;
    const box = h("div", { class: "stack" }, h("h5", null, "Stack"));
    if (!t || e < 0) {
      box.append(h("p", { class: "meta" }, "not in the trace data"));
      return box;
    }
    const calls = t.stackAt(e);
    const ol = h("ol", null, h("li", null, `${t.label(e)} at ${t.location(e)}`));
    for (const k of calls) {
      if (t.callOfEntry[e] === k) continue;
      const entry = t.callEntry[k];
      ol.append(h("li", null, `${t.func(entry) ?? "?"} at ${t.location(entry)}`,
        t.lane[entry] !== t.lane[e] ? ` (${t.laneName(t.lane[entry])})` : ""));
    }
    box.append(ol);
    return box;
  }

  /**
   * Why neither access of a race happens before the other: how far each
   * one's causal past reaches on the other's lane.
   * @param {Finding} f
   */
  why(f) {
    const t = this.trace;
    const box = h("div", { class: "why" }, h("h5", null, "Why neither happens before the other"));
    if (!t || f.events.length < 2) return box;
    const [a, b] = f.events;
    const line = (/** @type {number} */ x, /** @type {number} */ y) => {
      const past = t.past(y);
      const reach = past[t.lane[x]];
      const name = t.laneName(t.lane[x]);
      if (t.before(x, past, y)) return `${t.label(x)} happens before ${t.label(y)}.`;
      if (reach < 0) return `Nothing on ${name} is in the causal past of ${t.label(y)}, so ${t.label(x)} (event ${t.pos[x] + 1} of ${name}) is not either.`;
      const last = t.at(t.lane[x], reach);
      return `The causal past of ${t.label(y)} reaches ${name} only up to event ${reach + 1} (${t.label(last)} at ${t.location(last)}); ${t.label(x)} is event ${t.pos[x] + 1} there.`;
    };
    const locks = (/** @type {number} */ x) => t.locksHeld(t.lane[x], t.pos[x]);
    const la = locks(a), lb = locks(b);
    const common = la.filter((l) => lb.includes(l));
    box.append(h("ul", null, h("li", null, line(a, b)), h("li", null, line(b, a)),
      h("li", null, `Locks held: ${la.length ? la.join(", ") : "none"} at the first access, ${lb.length ? lb.join(", ") : "none"} at the second${common.length ? ` (in common: ${common.join(", ")}, but taken in no order between them)` : ", none in common"}.`)));
    return box;
  }
}

/**
 * A causal chain as the report gives it.
 * @param {any[]} steps
 */
function chain(steps) {
  return h("div", { class: "chain" }, h("h5", null, "Causal chain"),
    h("ol", null, ...steps.map((s) => h("li", { "data-event-id": s.event_id },
      h("span", { class: "kind" }, s.kind), ` ${s.label} `,
      h("span", { class: "meta" }, `${s.service} / ${s.thread} at ${s.location}`)))));
}
