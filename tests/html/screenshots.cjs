// Takes the screenshots of docs/html-report.md from the demo's report (a
// docs tool, not a test):
//
//   causeway analyze fixtures/demo-bank.jsonl --format html > /tmp/demo.html
//   causeway analyze fixtures/clean-lock-protected.jsonl fixtures/demo-bank.jsonl --format html > /tmp/compare.html
//   NODE_PATH=DIR/node_modules node tests/html/screenshots.cjs /tmp/demo.html /tmp/compare.html docs/

"use strict";

const path = require("node:path");
const { chromium } = require("playwright-core");

(async () => {
  const [demo, compare, out] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const shot = (name) => page.screenshot({ path: path.join(out, `html-report-${name}.png`) });
  await page.goto(`file://${path.resolve(demo)}`);
  await page.waitForSelector("html[data-ready]");
  const race = await page.$("#findings li.race .finding-head");
  await race.click();
  await page.waitForTimeout(200);
  await shot("lanes");
  // The cursor on the racing read: the writes it could have seen.
  const read = await page.$eval("#causeway-report", (e) => JSON.parse(e.textContent).races[0].accesses.find((a) => a.access === "read").event_id);
  await page.focus("#lanes-canvas");
  await page.keyboard.press("Home");
  for (let i = 0; i < 200 && (await page.getAttribute("#tt-event", "data-event-id")) !== read; i++) {
    await page.keyboard.press("ArrowRight");
  }
  await page.locator("#timetravel").scrollIntoViewIfNeeded();
  await page.waitForTimeout(100);
  await shot("time-travel");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.click('#tabs [data-tab="flame"]');
  await page.selectOption("#flame-scope", { index: 3 });
  await page.fill("#flame-search", "transfer");
  await shot("flamegraph");
  await page.click('#tabs [data-tab="critical"]');
  const error = await page.$("#findings li.error .finding-head");
  await error.click();
  await page.click('#tabs [data-tab="critical"]');
  await shot("critical-path");
  await page.goto(`file://${path.resolve(compare)}`);
  await page.waitForSelector("html[data-ready]");
  await page.click('#tabs [data-tab="compare"]');
  await shot("compare");
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
