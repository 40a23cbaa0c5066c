'use strict';
/**
 * examples/js-bank end to end: the racy bank's race is reported at the read
 * and the write of the source balance, with a causal chain for both
 * accesses; the bank behind the mutex has no race.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { record, readEvents, analyze, markers, raceGroups, tempDir } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'js-bank');
const BANK = path.join(EXAMPLE, 'src', 'bank.js');

test('the racy bank: the race on the source balance, both chains', () => {
  const trace = path.join(tempDir(), 'racy.jsonl');
  const run = record(['node', 'run_bank.js'], trace, { cwd: EXAMPLE, check: false });
  assert.equal(run.status, 3, `the racy bank loses or makes money: ${run.stdout}${run.stderr}`);
  checkEvents(readEvents(trace));
  const { status, report } = analyze(trace);
  assert.equal(status, 1);
  assert.equal(report.summary.bad_lines, 0);
  const line = markers(BANK);
  const read = `src/bank.js:${line['read-source']}`;
  const write = `src/bank.js:${line['write-source']}`;
  assert.deepEqual(raceGroups(report), [`Account#1.balance|${read}|${write}`, `Account#1.balance|${write}|${write}`].sort());
  for (const race of report.races) {
    for (const access of race.accesses) {
      assert.ok(access.chain.length >= 2, `a chain from the transfer down to the access: ${JSON.stringify(access.steps)}`);
      assert.equal(access.function, 'Bank.transfer');
    }
    const threads = new Set(race.accesses.map((a) => a.thread));
    assert.equal(threads.size, 2, 'two lines of execution');
  }
  assert.equal(report.anomalies.length, 0, JSON.stringify(report.anomalies));
});

test('the bank behind a promise-based mutex: no race', () => {
  const trace = path.join(tempDir(), 'fixed.jsonl');
  const run = record(['node', 'run_bank.js', '--fixed'], trace, { cwd: EXAMPLE });
  assert.match(run.stdout, /total 150/);
  const events = readEvents(trace);
  checkEvents(events);
  assert.ok(events.filter((e) => e.kind === 'state_write' && e.metadata.variable === 'Account#1.balance').length >= 3);
  const { status, report } = analyze(trace);
  assert.deepEqual(raceGroups(report), []);
  assert.equal(status, 0);
});
