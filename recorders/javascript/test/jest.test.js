'use strict';
/**
 * The Jest integration, under real Jest: a small package's suite recorded
 * through `preset: 'causeway-recorder'` (one trace per test file, each test
 * its own trace), then `causeway gen-tests --framework jest` on those
 * traces: the generated tests pass against the package and fail against
 * mutants of it.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { PACKAGE, readEvents, causewayBin, tempDir } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const PROJECT = path.join(__dirname, 'jest-project');
const JEST = path.join(PACKAGE, 'node_modules', 'jest', 'bin', 'jest.js');

function jest(cwd, args, env = {}) {
  return spawnSync(process.execPath, [JEST, '--ci', '--rootDir', cwd, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180000 });
}

/** A copy of the project with the recorder installed in it (as `npm install ./recorders/javascript` links it). */
function project() {
  const dir = tempDir('causeway-jest-');
  fs.cpSync(PROJECT, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(PACKAGE, path.join(dir, 'node_modules', 'causeway-recorder'), 'dir');
  fs.writeFileSync(path.join(dir, '__tests__', 'failing.test.js'), "const { discount } = require('../src/cart');\ntest('a failing test', () => {\n  expect(discount(10, 'HALF')).toBe(6);\n});\n");
  return dir;
}

test('Jest: one trace per test file, each test its own trace, recorded like a pytest test', () => {
  const dir = project();
  const run = jest(dir, [], { CAUSEWAY_TRACE_DIR: 'traces' });
  assert.equal(run.status, 1, `one test fails on purpose:\n${run.stderr}`);
  const files = fs.readdirSync(path.join(dir, 'traces')).sort();
  assert.deepEqual(files, ['__tests____async.test.js.jsonl', '__tests____cart.test.js.jsonl', '__tests____failing.test.js.jsonl']);

  const cart = readEvents(path.join(dir, 'traces', '__tests____cart.test.js.jsonl'));
  checkEvents(cart);
  const roots = cart.filter((e) => e.kind === 'function_entry' && e.parent_id === null);
  assert.deepEqual(roots.map((e) => e.metadata.function), ['totals the lines', 'applies discount codes', 'rejects negative quantities']);
  assert.equal(new Set(roots.map((e) => e.trace_id)).size, 3, 'each test its own trace id');
  assert.deepEqual(roots.map((e) => e.metadata.line), [3, 7, 13], 'the lines of the test() calls');
  for (const root of roots) {
    assert.equal(root.metadata.module, '__tests__/cart.test.js');
    const own = cart.filter((e) => e.trace_id === root.trace_id);
    assert.ok(own.every((e) => e.metadata.test === root.metadata.function), 'metadata.test on every event of the test');
  }
  assert.ok(!cart.some((e) => e.metadata.file === '__tests__/cart.test.js' && e.kind !== 'function_entry'), 'the test file itself is not instrumented');
  const negative = cart.find((e) => e.kind === 'function_exit' && e.metadata.function === 'lineTotal' && e.metadata.exception);
  assert.deepEqual(negative.metadata.exception, { type: 'RangeError', message: 'negative quantity -1' });

  const failing = readEvents(path.join(dir, 'traces', '__tests____failing.test.js.jsonl'));
  checkEvents(failing);
  const error = failing.find((e) => e.kind === 'error');
  assert.ok(error, 'a failing test is an error event');
  assert.equal(error.metadata.test, 'a failing test');
  const exit = failing.find((e) => e.kind === 'function_exit' && e.metadata.function === 'a failing test');
  assert.equal(exit.metadata.exception.type, 'Error');

  const asyncTrace = readEvents(path.join(dir, 'traces', '__tests____async.test.js.jsonl'));
  assert.ok(asyncTrace.some((e) => e.kind === 'function_entry' && e.metadata.function === 'discount'));
});

test('Jest: gen-tests on the recorded suite writes tests that pass, and fail against mutants', () => {
  const dir = project();
  fs.rmSync(path.join(dir, '__tests__', 'failing.test.js'));
  const run = jest(dir, [], { CAUSEWAY_TRACE_DIR: 'traces' });
  assert.equal(run.status, 0, run.stderr);
  const traces = fs.readdirSync(path.join(dir, 'traces')).map((f) => path.join(dir, 'traces', f));
  const generated = path.join(dir, 'generated');
  const gen = spawnSync(causewayBin(), ['gen-tests', '--framework', 'jest', '--all-traces', '--root', dir, '--out', generated, ...traces], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const written = fs.readdirSync(generated).filter((f) => f.endsWith('.test.js'));
  assert.ok(written.length >= 3, gen.stderr);
  const source = fs.readFileSync(path.join(generated, written[0]), 'utf8');
  for (const name of ['cartTotal', 'lineTotal', 'discount']) {
    assert.ok(fs.readdirSync(generated).some((f) => fs.readFileSync(path.join(generated, f), 'utf8').includes(`"${name}"`)), `a test of ${name}`);
  }
  assert.ok(source.includes('SOURCE_EVENTS'));

  // The generated tests under plain Jest (no preset, no recording).
  fs.writeFileSync(path.join(dir, 'jest.config.js'), "module.exports = { testMatch: ['<rootDir>/generated/**/*.test.js'] };\n");
  const pass = jest(dir, []);
  assert.equal(pass.status, 0, `generated tests pass:\n${pass.stderr}`);
  assert.match(pass.stderr, /Tests:\s+\d+ passed/);

  const cartFile = path.join(dir, 'src', 'cart.js');
  const original = fs.readFileSync(cartFile, 'utf8');
  const mutants = [
    ['price * quantity', 'price + quantity'],
    ['total / 2', 'total / 3'],
    ['quantity < 0', 'quantity < -5'],
    ["code === 'TEN'", "code === 'TEN!'"],
  ];
  for (const [from, to] of mutants) {
    assert.ok(original.includes(from), from);
    fs.writeFileSync(cartFile, original.replace(from, to));
    const fail = jest(dir, []);
    assert.equal(fail.status, 1, `the mutant ${from} -> ${to} is caught`);
  }
  fs.writeFileSync(cartFile, original);
});
