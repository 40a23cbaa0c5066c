// Measures an HTML report in headless Chromium: time to first render, the
// JS heap, and frame intervals while panning the lanes view (zoomed out to
// the whole trace, and zoomed in), plus the time to select a finding and to
// step the cursor. Prints one JSON object. Run by bench/html.sh:
//
//   NODE_PATH=DIR/node_modules node bench/html-bench.cjs REPORT.html [SCREENSHOT.png]

"use strict";

const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Median, 95th percentile and maximum of a list of numbers. */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { frames: s.length, median_ms: +at(0.5).toFixed(1), p95_ms: +at(0.95).toFixed(1), max_ms: +s[s.length - 1].toFixed(1) };
}

async function pan(page, box, moves) {
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__frames = [];
    w.__panning = true;
    let last = performance.now();
    const tick = (t) => {
      w.__frames.push(t - last);
      last = t;
      if (w.__panning) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width - 100, y);
  await page.mouse.down();
  for (let i = 0; i < moves; i++) {
    const dx = (i % 80) < 40 ? -12 * (i % 40) : -12 * (40 - (i % 40));
    await page.mouse.move(box.x + box.width - 100 + dx, y + (i % 7));
  }
  await page.mouse.up();
  return page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__panning = false;
    return w.__frames.slice(1);
  });
}

(async () => {
  const [file, shot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
      "--disable-component-update", "--disable-sync", "--enable-precise-memory-info"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const start = Date.now();
  await page.goto(`file://${file}`, { waitUntil: "commit", timeout: 120000 });
  await page.waitForSelector("html[data-ready]", { timeout: 120000 });
  const firstRender = Date.now() - start;
  const scriptMs = Number(await page.getAttribute("html", "data-render-ms"));
  const heap = await page.evaluate(() => /** @type {any} */ (performance).memory?.usedJSHeapSize ?? null);
  const box = await page.locator("#lanes-canvas").boundingBox();
  await page.click("#zoom-fit");
  const zoomedOut = stats(await pan(page, box, 240));
  for (let i = 0; i < 12; i++) await page.click("#zoom-in");
  const zoomedIn = stats(await pan(page, box, 240));
  let select = null;
  const race = await page.$("#findings li.race .finding-head");
  if (race) {
    const t = Date.now();
    await race.click();
    await page.waitForSelector('#lanes-status li[data-role="highlighted"]');
    select = Date.now() - t;
  }
  const t = Date.now();
  await page.focus("#lanes-canvas");
  for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
  const step = (Date.now() - t) / 10;
  if (shot) await page.screenshot({ path: shot });
  const events = await page.$eval("#causeway-report", (e) => JSON.parse(e.textContent || "{}").summary.events);
  console.log(JSON.stringify({
    events, first_render_ms: firstRender, script_ms: scriptMs, js_heap_mb: heap && Math.round(heap / 1048576),
    pan_zoomed_out: zoomedOut, pan_zoomed_in: zoomedIn, select_race_ms: select, cursor_step_ms: step, errors,
  }));
  await browser.close();
  if (errors.length) process.exit(1);
})().catch((e) => { console.error(e); process.exit(1); });
