// Browser tests of the HTML report (`causeway analyze --format html`), in
// headless Chromium driven by playwright-core. Run by tests/html/ci.sh:
//
//   CAUSEWAY_BIN=target/debug/causeway NODE_PATH=<dir>/node_modules node --test tests/html/
//
// Every page is opened from file://; each test fails on a console error, an
// uncaught exception, a dialog or any request other than the page itself.

"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = process.env.CAUSEWAY_BIN || path.join(ROOT, "target", "debug", "causeway");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const DEMO = path.join(ROOT, "fixtures", "demo-bank.jsonl");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "causeway-html-"));

/** Runs `causeway analyze` (exit 0 or 1 are both reports). */
function analyze(args) {
  try {
    return execFileSync(BIN, ["analyze", "--no-config", ...args], { cwd: ROOT, maxBuffer: 1 << 30 }).toString();
  } catch (e) {
    if (e.status === 1) return e.stdout.toString();
    throw new Error(`causeway failed (${e.status}): ${e.stderr}`);
  }
}

/** Writes the HTML and JSON reports of traces; returns both. */
function reports(name, traces) {
  const html = path.join(WORK, `${name}.html`);
  analyze([...traces, "--format", "html", "-o", `html=${html}`]);
  const json = JSON.parse(analyze([...traces, "--format", "json"]));
  return { html, json };
}

let browser;

// `launch` starts Chromium on a fresh temporary profile (user-data-dir) of
// its own, removed when the browser closes.
before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  fs.rmSync(WORK, { recursive: true, force: true });
});

/**
 * Opens a report page and watches it: console errors, page errors, dialogs,
 * requests, and whether any injected script ran.
 */
async function open(file, { bypassCSP = false } = {}) {
  const context = await browser.newContext({ bypassCSP, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const url = `file://${file}`;
  const problems = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", async (d) => { problems.push(`dialog: ${d.message()}`); await d.dismiss(); });
  page.on("request", (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  await page.waitForSelector("html[data-ready]", { timeout: 30000 });
  const check = async () => {
    const pwned = await page.evaluate(() => /** @type {any} */ (window).__pwned);
    assert.equal(pwned, undefined, "an injected script ran");
    assert.deepEqual(problems, [], "console errors, page errors or dialogs");
    assert.deepEqual(requests, [], "the page requested something");
  };
  return { page, check, close: () => context.close() };
}

const demo = () => reports("demo", [DEMO]);

test("the findings are the JSON report's, in its order", async () => {
  const { html, json } = demo();
  const { page, check, close } = await open(html);
  const expected = [...json.races, ...json.anomalies, ...json.errors].map((f) => f.fingerprint);
  assert.ok(expected.length >= 3, "the demo has races, an error and an anomaly");
  const shown = await page.$$eval("#findings li[data-finding]", (els) => els.map((e) => e.getAttribute("data-finding")));
  assert.deepEqual(shown, expected);
  // The page's copy of the report is the JSON report, byte for byte in value.
  const embedded = await page.$eval("#causeway-report", (e) => JSON.parse(e.textContent || ""));
  assert.deepEqual(embedded, json);
  await check();
  await close();
});

test("selecting a race shows both stacks and chains and highlights both accesses", async () => {
  const { html, json } = demo();
  const race = json.races[0];
  const { page, check, close } = await open(html);
  await page.click(`li[data-finding="${race.fingerprint}"] .finding-head`);
  const body = page.locator(`li[data-finding="${race.fingerprint}"] .finding-body`);
  assert.equal(await body.locator(".stack").count(), 2);
  assert.equal(await body.locator(".chain").count(), 2);
  for (const [k, access] of race.accesses.entries()) {
    const chain = body.locator(".chain").nth(k);
    const ids = await chain.locator("li").evaluateAll((els) => els.map((e) => e.getAttribute("data-event-id")));
    assert.deepEqual(ids, access.chain, `chain of access ${k}`);
    const stack = await body.locator(".stack").nth(k).innerText();
    assert.ok(stack.includes(access.location), `stack of access ${k} names its location`);
    if (access.function) assert.ok(stack.includes(access.function), `stack of access ${k} names its function`);
  }
  assert.match(await body.locator(".why").innerText(), /causal past/);
  const highlighted = await page.$$eval('#lanes-status li[data-role="highlighted"]', (els) => els.map((e) => e.getAttribute("data-event-id")));
  assert.deepEqual(highlighted, race.accesses.map((a) => a.event_id));
  await check();
  await close();
});

test("the time-travel cursor at the racing read lists the concurrent write", async () => {
  const { html, json } = demo();
  const race = json.races.find((r) => r.accesses.some((a) => a.access === "read"));
  assert.ok(race, "the demo has a read-write race");
  const read = race.accesses.find((a) => a.access === "read");
  const write = race.accesses.find((a) => a.access !== "read");
  const { page, check, close } = await open(html);
  await page.focus("#lanes-canvas");
  await page.keyboard.press("Home");
  let steps = 0;
  while ((await page.getAttribute("#tt-event", "data-event-id")) !== read.event_id) {
    assert.ok(steps++ < json.summary.events, "the cursor never reached the read");
    await page.keyboard.press("ArrowRight");
  }
  const concurrent = await page.$$eval("#tt-writes li.concurrent", (els) => els.map((e) => e.getAttribute("data-event-id")));
  assert.ok(concurrent.includes(write.event_id), `concurrent writes ${concurrent} include ${write.event_id}`);
  // The variable's value at the cursor is listed.
  assert.ok(await page.locator(`#tt-vars tr[data-variable="${race.variable}"]`).count() === 1);
  // Stepping on the lane and by variable moves the cursor too.
  await page.keyboard.press("Alt+ArrowRight");
  assert.notEqual(await page.getAttribute("#tt-event", "data-event-id"), read.event_id);
  await check();
  await close();
});

/** Nanoseconds since the epoch of an RFC 3339 UTC timestamp, as a BigInt. */
function ns(ts) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  assert.ok(m, `timestamp ${ts}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000000n + BigInt((m[2] || "").padEnd(9, "0").slice(0, 9));
}

test("the flamegraph's top frames last as long as the trace's calls", async () => {
  const { html } = demo();
  // Top-level calls per thread, from the trace file: an entry with no call
  // open on its thread, lasting to the exit that names it.
  const events = fs.readFileSync(DEMO, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const byId = new Map(events.map((e) => [e.id, e]));
  const openCalls = new Map();
  const expected = new Map();
  for (const e of events) {
    const lane = `${e.metadata.service} / ${e.metadata.thread}`;
    const stack = openCalls.get(lane) || [];
    openCalls.set(lane, stack);
    if (e.kind === "function_entry") {
      if (stack.length === 0) e.top = true;
      stack.push(e);
    } else if (e.kind === "function_exit") {
      const entry = byId.get(e.parent_id);
      stack.splice(stack.indexOf(entry), 1);
      if (entry.top) {
        const per = expected.get(lane) || new Map();
        expected.set(lane, per);
        const name = entry.metadata.function;
        per.set(name, (per.get(name) || 0n) + ns(e.timestamp) - ns(entry.timestamp));
      }
    }
  }
  assert.ok(expected.size >= 2, "the demo has calls on several threads");
  const { page, check, close } = await open(html);
  await page.click('#tabs [data-tab="flame"]');
  const options = await page.$$eval('#flame-scope option[value^="lane:"]', (els) => els.map((e) => [e.getAttribute("value"), e.textContent]));
  let checked = 0;
  for (const [value, lane] of options) {
    await page.selectOption("#flame-scope", value);
    const frames = await page.$$eval('#flame .frame[data-depth="0"]', (els) => els.map((e) => [e.getAttribute("data-name"), e.getAttribute("data-total-ns")]));
    const want = expected.get(lane) || new Map();
    assert.deepEqual(new Map(frames.map(([n, t]) => [n, BigInt(t)])), want, `top frames of ${lane}`);
    const all = await page.getAttribute("#flame .frame-all", "data-total-ns");
    assert.equal(BigInt(all), [...want.values()].reduce((a, b) => a + b, 0n), `total of ${lane}`);
    checked += want.size;
  }
  assert.ok(checked >= 3, `${checked} top frames checked`);
  // Zoom into a frame and out again.
  await page.click('#flame .frame[data-depth="0"]');
  await page.click("#flame .frame-all");
  await check();
  await close();
});

test("every view renders without errors or requests", async () => {
  const { html } = demo();
  const { page, check, close } = await open(html);
  for (const tab of ["flame", "critical", "compare", "lanes"]) {
    await page.click(`#tabs [data-tab="${tab}"]`);
    assert.equal(await page.isVisible(`[data-view="${tab}"]`), true);
  }
  assert.ok(Number(await page.getAttribute("#cp-total", "data-total-ns")) > 0, "the critical path takes time");
  // Click an event in the canvas: the cursor moves there and the panel shows it.
  await page.click("#zoom-fit");
  const box = await page.locator("#lanes-canvas").boundingBox();
  let hit = false;
  for (let x = 210; x < box.width && !hit; x += 3) {
    await page.mouse.click(box.x + x, box.y + 24 + 15);
    hit = (await page.getAttribute("#event-fields", "data-event")) !== null && x > 210;
  }
  assert.ok(hit, "an event on the first lane could be clicked");
  await page.check("#collapse");
  await page.mouse.move(box.x + 400, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 300, box.y + 110, { steps: 5 });
  await page.mouse.up();
  await page.mouse.wheel(0, -300);
  await check();
  await close();
});

test("two recordings together are compared finding by finding", async () => {
  const a = path.join(ROOT, "fixtures", "clean-lock-protected.jsonl");
  const { html, json } = reports("compare", [a, DEMO]);
  const { page, check, close } = await open(html);
  await page.click('#tabs [data-tab="compare"]');
  const rows = await page.$$eval("#compare tr[data-finding]", (els) => els.map((e) => e.getAttribute("data-finding")));
  const prints = new Set([...json.races, ...json.anomalies, ...json.errors].map((f) => f.fingerprint));
  assert.deepEqual(new Set(rows), prints);
  const onlyDemo = await page.$eval(`#compare-summary li[data-input="${json.inputs[1]}"]`, (e) => e.textContent);
  assert.match(onlyDemo, /only in .*demo-bank\.jsonl: [1-9]/);
  await check();
  await close();
});

const { hostileTrace } = require("./hostile.cjs");

for (const bypassCSP of [false, true]) {
  test(`a hostile trace runs no script and fetches nothing${bypassCSP ? " (even without the CSP)" : ""}`, async () => {
    // The file name is hostile too (as far as a file name can be: no "/").
    const file = path.join(WORK, `hostile <svg onload=alert(1)> "onmouseover=alert(1)" <img src=x onerror=alert(1)>.jsonl`);
    fs.writeFileSync(file, hostileTrace());
    const { html, json } = reports("hostile", [file]);
    assert.ok(json.races.length >= 1 && json.errors.length >= 1, "the hostile trace has races and errors");
    assert.ok(json.diagnostics.length >= 1, "and bad lines");
    const { page, check, close } = await open(html, { bypassCSP });
    const shown = await page.$$eval("#findings li[data-finding]", (els) => els.length);
    assert.equal(shown, json.races.length + json.anomalies.length + json.errors.length);
    // Open every finding, hover everything, visit every view and step the cursor.
    for (const head of await page.$$("#findings .finding-head")) await head.click();
    for (const tab of ["flame", "critical", "compare", "lanes"]) await page.click(`#tabs [data-tab="${tab}"]`);
    await page.click('#tabs [data-tab="flame"]');
    for (const el of await page.$$("#flame .frame")) await el.hover();
    await page.click('#tabs [data-tab="lanes"]');
    await page.focus("#lanes-canvas");
    for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowRight");
    for (const el of await page.$$("li, td, button, dd")) await el.hover({ force: true, timeout: 1000 }).catch(() => {});
    // The payload is shown as text, and made no markup.
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(text.includes("</script><script>window.__pwned=1;alert(1)</script>"), "the payload is shown as text");
    assert.ok(text.includes(path.basename(file)), "the hostile file name is shown as text");
    const markup = await page.evaluate(() => ({
      scripts: document.scripts.length,
      injected: document.querySelectorAll("img, svg, iframe, object, embed, a[href], [src], [style*='url']").length,
      handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
    }));
    assert.deepEqual(markup, { scripts: 3, injected: 0, handlers: 0 });
    const embedded = await page.$eval("#causeway-report", (e) => JSON.parse(e.textContent || ""));
    assert.deepEqual(embedded, json, "the escaped report reads back unchanged");
    await check();
    await close();
  });
}
