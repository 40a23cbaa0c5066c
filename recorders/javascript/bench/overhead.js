#!/usr/bin/env node
'use strict';
/**
 * Recorder overhead: each workload run plain and recorded (best of
 * --repeat runs). Plain runs do --plain-scale times the work, divided back,
 * to be long enough to measure. Prints a Markdown table; not a test.
 *
 *   node bench/overhead.js [--repeat 3] [--plain-scale 10]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CLI = path.join(__dirname, '..', 'bin', 'causeway-record.js');
const WORKLOADS = [
  ['call-heavy: particle simulation, 100 particles x 300 steps', 'call_heavy.mjs'],
  ['async-heavy: 200 tasks x 50 awaits on a shared ledger', 'async_heavy.mjs'],
];

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

function timed(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: path.join(__dirname, 'workloads'), encoding: 'utf8', env: { ...process.env, ...env } });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop();
  return { ns: JSON.parse(line).ns, wall };
}

function ms(ns) {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : `${(ns / 1e6).toFixed(1)} ms`;
}

function main() {
  const repeat = option('--repeat', 3);
  const plainScale = option('--plain-scale', 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-bench-'));
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0].model}), best of ${repeat}\n`);
  console.log('| workload | plain | recorded | slowdown | wall plain / recorded | events | events/s | µs/event | trace |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [title, file] of WORKLOADS) {
    let plain = null;
    let recorded = null;
    let events = 0;
    let size = 0;
    for (let i = 0; i < repeat; i += 1) {
      const p = timed([file, String(plainScale)]);
      p.ns /= plainScale;
      if (plain === null || p.ns < plain.ns) plain = p;
      const trace = path.join(dir, `${file}.jsonl`);
      const r = timed([CLI, '--quiet', '--out', trace, '--', 'node', file, '1']);
      if (recorded === null || r.ns < recorded.ns) recorded = r;
      const text = fs.readFileSync(trace, 'utf8');
      events = text.split('\n').filter(Boolean).length;
      size = Buffer.byteLength(text);
    }
    const plainWall = timed([file, '1']).wall;
    const perEvent = (recorded.ns - plain.ns) / events / 1000;
    console.log(
      `| ${title} | ${ms(plain.ns)} | ${ms(recorded.ns)} | ${Math.round(recorded.ns / plain.ns)}x | ${plainWall.toFixed(2)} s / ${recorded.wall.toFixed(2)} s | ${events.toLocaleString('en')} | ${Math.round(events / (recorded.ns / 1e9)).toLocaleString('en')} | ${perEvent.toFixed(2)} | ${(size / 1e6).toFixed(0)} MB |`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
