// A trace with hostile strings in every field (ids, services, threads,
// variables, functions, files, values, messages, locks, tasks, URLs, kinds)
// that still has races, an error and a bad line, for the HTML report's
// escaping test. `node tests/html/hostile.cjs OUT.jsonl` writes it.

"use strict";

const PAYLOAD = [
  "</script><script>window.__pwned=1;alert(1)</script>",
  "\"onmouseover=\"window.__pwned=1\" x=\"",
  "'onmouseover='window.__pwned=1' y='",
  "javascript:window.__pwned=1",
  "<img src=x onerror=\"window.__pwned=1\">",
  "<svg onload=alert(1)>",
  "<!--", "-->", "]]>", "&amp;", "\u2028\u2029",
].join(" ");

/** A trace with the payload in every string field; it has races and errors. */
function hostileTrace() {
  const H = (s) => `${PAYLOAD} ${s}`;
  let n = 0;
  const ts = () => `2026-11-26T10:00:00.${String(++n).padStart(6, "0")}Z`;
  const ev = (kind, thread, metadata, extra = {}) => JSON.stringify({
    id: H(`id-${n + 1}`), trace_id: H("trace"), parent_id: null, timestamp: ts(), kind,
    metadata: { service: H("service"), thread: H(thread), function: H("function"), file: H("file.py"), line: n, ...metadata },
    ...extra,
  });
  const lines = [
    ev("function_entry", "a", { args: [H("arg")], module: H("module") }),
    ev("async_spawn", "a", { task: H("b") }),
    ev("state_write", "a", { variable: H("variable"), value: H("value"), old_value: { [H("k")]: H("v") } }),
    ev("function_entry", "b", {}),
    ev("state_write", "b", { variable: H("variable"), value: { x: H("value") } }),
    ev("state_read", "a", { variable: H("variable"), value: [H("value")] }),
    ev("message_send", "a", { message_id: H("message") }),
    ev("message_receive", "b", { message_id: H("message") }),
    ev("lock_acquire", "b", { lock: H("lock") }),
    ev("lock_release", "b", { lock: H("lock") }),
    ev("http_request", "a", { method: H("GET"), url: "javascript:window.__pwned=1//" + PAYLOAD }),
    ev("db_query", "b", { query: H("SELECT") }),
    ev("error", "b", { error_type: H("Error"), message: H("message") }),
    ev("function_exit", "b", { exception: { type: H("Exception"), message: H("raised") } }),
    ev("function_exit", "a", { return_value: H("returned") }),
    ev(H("kind"), "a", { note: H("custom") }),
  ];
  return `${lines.join("\n")}\n${PAYLOAD} not json\n`;
}

module.exports = { PAYLOAD, hostileTrace };

if (require.main === module) require("node:fs").writeFileSync(process.argv[2], hostileTrace());
