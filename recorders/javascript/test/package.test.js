'use strict';
/**
 * The package as users get it: `npm pack`, installed from the tarball into
 * a fresh project, then `npx causeway-record` and `node --import
 * causeway-recorder/register` there, with the recorder in node_modules (and
 * so never instrumenting itself).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { PACKAGE, readEvents, analyze, tempDir } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('installed from the npm pack tarball: the CLI and the register hook work', { timeout: 300000 }, () => {
  const dir = tempDir('causeway-pack-');
  const packed = execFileSync(NPM, ['pack', '--silent', '--pack-destination', dir], { cwd: PACKAGE, encoding: 'utf8' }).trim().split('\n').pop();
  const tarball = path.join(dir, packed);
  assert.ok(fs.existsSync(tarball), packed);
  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'packed-user', private: true, type: 'module' }));
  const install = spawnSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: project, encoding: 'utf8', timeout: 240000 });
  assert.equal(install.status, 0, install.stderr);
  fs.copyFileSync(path.join(PACKAGE, 'conformance', 'async_transfer.mjs'), path.join(project, 'app.mjs'));

  const trace = path.join(project, 'trace.jsonl');
  const run = spawnSync(path.join(project, 'node_modules', '.bin', 'causeway-record'), ['--quiet', '--out', trace, '--', 'node', 'app.mjs'], { cwd: project, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const events = readEvents(trace);
  checkEvents(events);
  assert.ok(events.every((e) => !e.metadata.file || e.metadata.file === 'app.mjs'), 'only the project’s own file');
  const { status, report } = analyze(trace);
  assert.equal(status, 1);
  assert.deepEqual([...new Set(report.races.map((r) => r.variable))], ['Object#1.alice']);

  const viaEnv = path.join(project, 'env.jsonl');
  const hooked = spawnSync(process.execPath, ['--import', 'causeway-recorder/register', 'app.mjs'], { cwd: project, encoding: 'utf8', env: { ...process.env, CAUSEWAY_OUT: viaEnv } });
  assert.equal(hooked.status, 0, hooked.stderr);
  assert.equal(readEvents(viaEnv).length, events.length);
});
