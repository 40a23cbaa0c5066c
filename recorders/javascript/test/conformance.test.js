'use strict';
/**
 * The shared recorder conformance check: every program in conformance/ is
 * recorded (cwd = its directory) and analyzed by the real `causeway`; the
 * race groups must be exactly those its NAME.expect.json names by marker,
 * with exit code 1 iff there are any, and no bad line. The files a
 * program's worker threads write next to its trace are analyzed with it.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { record, readEvents, analyze, markers, raceGroups, tempDir } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const DIR = path.join(__dirname, '..', 'conformance');
const PROGRAM = /\.(?:mjs|cjs|js|ts|mts|cts)$/;

const programs = fs.readdirSync(DIR).filter((name) => PROGRAM.test(name)).sort();

test('every conformance program has its expectations', () => {
  assert.ok(programs.length >= 8, `only ${programs.length} programs`);
  for (const name of programs) {
    const expect = path.join(DIR, name.replace(PROGRAM, '.expect.json'));
    assert.ok(fs.existsSync(expect), `${name} has no ${path.basename(expect)}`);
  }
});

for (const name of programs) {
  test(`conformance: ${name}`, () => {
    const file = path.join(DIR, name);
    const expected = JSON.parse(fs.readFileSync(file.replace(PROGRAM, '.expect.json'), 'utf8'));
    const lines = markers(file);
    const want = expected.races
      .map((race) => {
        const locations = race.between.map((marker) => {
          assert.ok(lines[marker] !== undefined, `${name}: no [${marker}] marker`);
          return `${name}:${lines[marker]}`;
        });
        return `${race.variable}|${locations.sort().join('|')}`;
      })
      .sort();
    const dir = tempDir();
    const trace = path.join(dir, 'trace.jsonl');
    record(['node', name], trace, { cwd: DIR });
    // A worker thread writes its own file next to the trace: analyzed together.
    const files = fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
    for (const file of files) checkEvents(readEvents(file));
    const { status, report } = analyze(...files);
    assert.equal(report.summary.bad_lines, 0);
    assert.deepEqual(raceGroups(report), [...new Set(want)]);
    assert.equal(status, want.length > 0 ? 1 : 0);
  });
}
