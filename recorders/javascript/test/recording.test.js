'use strict';
/**
 * What a recording holds: values, redaction, custom events, uncaught
 * exceptions and rejections with their stacks (TypeScript lines), CommonJS
 * and TypeScript together, node_modules left out unless included, exclude
 * patterns, and the command line's errors.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { CLI, record, readEvents, analyze, markers, tempDir } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const PROGRAMS = path.join(__dirname, 'programs');

function run(program, options = [], check = true) {
  const trace = path.join(tempDir(), 'trace.jsonl');
  const result = record(['node', program], trace, { cwd: PROGRAMS, options, check });
  const events = readEvents(trace);
  checkEvents(events);
  return { result, events, trace };
}

test('values: $repr for what JSON cannot hold, limits, redaction, custom events', () => {
  const { events } = run('values.mjs');
  const args = events.filter((e) => e.kind === 'function_entry' && e.metadata.function === 'describe').map((e) => e.metadata.args[0]);
  assert.deepEqual(args[0], { $repr: '[Function (anonymous)]', $type: 'function' });
  assert.deepEqual(args[1], { $repr: '10n', $type: 'bigint' });
  assert.deepEqual(args[2], { $repr: 'Symbol(s)', $type: 'symbol' });
  assert.deepEqual(args[3], { name: 'loop', self: { $repr: '[Circular]', $type: 'Object' } });
  assert.deepEqual(args[4], { $repr: '<Point#1>', $type: 'Point' });
  assert.equal(args[5].length, 201);
  assert.ok(args[5].endsWith('…'));
  assert.deepEqual(args[6], [1, [2, [3, { $repr: 'Array(2)', $type: 'Array' }]]]);
  assert.deepEqual(args[7], { $repr: 'NaN', $type: 'number' });
  assert.equal(args[8], null);
  const login = events.find((e) => e.kind === 'function_entry' && e.metadata.function === 'describe').metadata.args[1];
  assert.deepEqual(login, { user: 'ada', password: { $redacted: 'password' } });
  const login2 = events.find((e) => e.kind === 'function_entry' && e.metadata.function === 'login');
  assert.deepEqual(login2.metadata.args, ['ada', { $redacted: 'password' }], 'arguments redacted by parameter name');
  const custom = events.filter((e) => e.kind === 'custom');
  assert.equal(custom.length, 1);
  assert.equal(custom[0].metadata.name, 'checkout.done');
  assert.deepEqual(custom[0].metadata.data, { cart: 12, token: { $redacted: 'token' } });
});

test('an uncaught exception in TypeScript: an error event with the .ts stack, below the call that threw', () => {
  const { result, events } = run('failing.ts', [], false);
  assert.equal(result.status, 1, 'the exit status is the program’s');
  assert.match(result.stderr, /RangeError: bad order -1/);
  const errors = events.filter((e) => e.kind === 'error');
  assert.equal(errors.length, 1);
  const [error] = errors;
  assert.equal(error.metadata.error_type, 'RangeError');
  assert.equal(error.metadata.message, 'bad order -1');
  const line = markers(path.join(PROGRAMS, 'failing.ts')).throw;
  assert.deepEqual(error.metadata.stack.slice(0, 2), [
    { function: 'validate', file: 'failing.ts', line },
    { function: 'submit', file: 'failing.ts', line: line + 5 },
  ]);
  const entry = events.find((e) => e.id === error.parent_id);
  assert.equal(entry.kind, 'function_entry');
  assert.equal(entry.metadata.function, 'validate');
  const exit = events.find((e) => e.kind === 'function_exit' && e.parent_id === entry.id);
  assert.deepEqual(exit.metadata.exception, { type: 'RangeError', message: 'bad order -1' });
  assert.ok(events.every((e) => !e.metadata.file || e.metadata.file === 'failing.ts'));
  assert.ok(events.every((e) => e.metadata.language === 'typescript' || e.kind === 'error'));
});

test('an unhandled rejection: an error event, and the async function exits with the exception', () => {
  const { result, events } = run('rejected.mjs', [], false);
  assert.equal(result.status, 1);
  const error = events.find((e) => e.kind === 'error');
  assert.equal(error.metadata.message, 'backend down');
  assert.equal(error.metadata.origin, 'unhandledRejection');
  const exit = events.find((e) => e.kind === 'function_exit');
  assert.deepEqual(exit.metadata.exception, { type: 'Error', message: 'backend down' });
  assert.equal(exit.metadata.thread, 'task-1 (load)', 'the exit is on the task, after its first await');
});

test('CommonJS requiring TypeScript; node_modules only when included', () => {
  const plain = run('mixed.cjs');
  assert.match(plain.result.stdout, /^8$/m);
  const files = new Set(plain.events.map((e) => e.metadata.file).filter(Boolean));
  assert.deepEqual([...files].sort(), ['mixed.cjs', 'shapes.ts']);
  const area = plain.events.find((e) => e.kind === 'function_entry' && e.metadata.function === 'area');
  assert.equal(area.metadata.module, 'shapes.ts');
  assert.equal(area.metadata.line, 1);

  const withLib = run('mixed.cjs', ['--include', 'fakelib', '--include', '*.cjs']);
  const twice = withLib.events.find((e) => e.kind === 'function_entry' && e.metadata.function === 'twice');
  assert.ok(twice, 'the included package is recorded');
  assert.equal(twice.metadata.file, 'node_modules/fakelib/index.js');
  assert.ok(!withLib.events.some((e) => e.metadata.file === 'shapes.ts'), 'include patterns replace the default');

  const excluded = run('mixed.cjs', ['--exclude', 'shapes.ts']);
  assert.ok(!excluded.events.some((e) => e.metadata.file === 'shapes.ts'));
  assert.ok(excluded.events.some((e) => e.metadata.file === 'mixed.cjs'));
});

test('node --import causeway-recorder/register with CAUSEWAY_OUT in the environment', () => {
  const dir = tempDir();
  const out = path.join(dir, 'env.jsonl');
  const result = spawnSync(process.execPath, ['--import', 'causeway-recorder/register', 'mixed.cjs'], {
    cwd: PROGRAMS,
    encoding: 'utf8',
    env: { ...process.env, CAUSEWAY_OUT: out, CAUSEWAY_EXCLUDE: 'shapes.ts' },
  });
  assert.equal(result.status, 0, result.stderr);
  const events = readEvents(out);
  checkEvents(events);
  assert.ok(events.some((e) => e.metadata.file === 'mixed.cjs'));
  assert.ok(!events.some((e) => e.metadata.file === 'shapes.ts'));
  assert.equal(events[0].metadata.service, 'mixed');
});

test('the command line: bad options are errors with the usage, status 2', () => {
  for (const args of [['--bogus', '--', 'node', 'x.js'], ['--out'], [], ['--redact', '(', '--', 'node', 'x.js']]) {
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /usage: causeway-record/);
  }
  const file = path.join(tempDir(), 'a-file');
  fs.writeFileSync(file, '');
  const unwritable = spawnSync(process.execPath, [CLI, '-q', '-o', path.join(file, 't.jsonl'), '--', 'node', 'mixed.cjs'], { encoding: 'utf8', cwd: PROGRAMS, timeout: 30000 });
  assert.equal(unwritable.status, 2, unwritable.stderr);
  assert.match(unwritable.stderr, /causeway-recorder: cannot write the trace .*a-file\/t\.jsonl: E[A-Z]+/);
  assert.equal(unwritable.stdout, '', 'the program does not run unrecorded');
  const missing = spawnSync(process.execPath, [CLI, '-q', '-o', path.join(tempDir(), 't.jsonl'), '--', 'node', 'no-such-file.js'], { encoding: 'utf8', cwd: PROGRAMS });
  assert.equal(missing.status, 1, 'node’s own status for a missing script');
});

test('recording does not change what the program computes (classes, getters, private fields, compound assignments, destructuring, generators, promises)', () => {
  const plain = spawnSync(process.execPath, ['semantics.mjs'], { cwd: PROGRAMS, encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  const { result, events } = run('semantics.mjs');
  assert.equal(result.stdout, plain.stdout);
  const kinds = new Set(events.map((e) => e.kind));
  for (const kind of ['function_entry', 'function_exit', 'state_read', 'state_write', 'async_spawn', 'async_await']) assert.ok(kinds.has(kind), kind);
});

test('a trace is analyzed without bad lines or warnings', () => {
  const { trace } = run('values.mjs');
  const { report } = analyze(trace);
  assert.equal(report.summary.bad_lines, 0);
  assert.equal(report.summary.warnings, 0);
  assert.ok(fs.statSync(trace).size > 0);
});

test('SIGTERM: the trace is complete and the process still dies of the signal', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'signal.jsonl');
  const child = require('node:child_process').spawn(process.execPath, ['--import', 'causeway-recorder/register', 'ticker.mjs', path.join(dir, 'ready')], {
    cwd: PROGRAMS,
    env: { ...process.env, CAUSEWAY_OUT: out },
    stdio: 'ignore',
  });
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, 'ready')); i += 1) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.existsSync(path.join(dir, 'ready')), 'the program started');
  child.kill('SIGTERM');
  const { signal } = await ended;
  assert.equal(signal, 'SIGTERM');
  const events = readEvents(out);
  checkEvents(events);
  assert.ok(events.filter((e) => e.kind === 'function_entry' && e.metadata.function === 'tick').length >= 1);
});

test('a command other than node: every Node process it starts records, each into its own file, one trace', () => {
  const dir = tempDir();
  const out = path.join(dir, 'run.jsonl');
  fs.writeFileSync(out, 'a stale trace of an earlier run\n');
  const conformance = path.join(__dirname, '..', 'conformance');
  const result = spawnSync(process.execPath, [CLI, '-q', '-o', out, '--', 'sh', '-c', 'node async_transfer.mjs && node timers_counter.cjs'], { cwd: conformance, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 2, files.join(' '));
  assert.ok(files.includes('run.jsonl') && files.some((f) => /^run\.\d+\.jsonl$/.test(f)));
  const all = files.flatMap((f) => readEvents(path.join(dir, f)));
  checkEvents(all);
  assert.equal(new Set(all.map((e) => e.trace_id)).size, 1);
  assert.deepEqual([...new Set(all.map((e) => e.metadata.file).filter(Boolean))].sort(), ['async_transfer.mjs', 'timers_counter.cjs']);
});
