'use strict';
/**
 * Test helpers: record a program in a child process with the real CLI, read
 * its trace, run the real `causeway` analyzer, resolve `// [marker]` lines.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PACKAGE = path.resolve(__dirname, '..', '..');
const CLI = path.join(PACKAGE, 'bin', 'causeway-record.js');

/** The analyzer: $CAUSEWAY_BIN, else the repository's target/debug build. Never skipped. */
function causewayBin() {
  const configured = process.env.CAUSEWAY_BIN;
  const bin = configured ? path.resolve(configured) : path.resolve(PACKAGE, '..', '..', 'target', 'debug', 'causeway');
  if (!fs.existsSync(bin)) {
    throw new Error(`no causeway binary at ${bin}: build it (cargo build) or set CAUSEWAY_BIN`);
  }
  return bin;
}

/** Runs `causeway-record --quiet --out OUT OPTIONS -- COMMAND` in `cwd`. */
function record(command, out, { cwd, options = [], env = {}, check = true } = {}) {
  const result = spawnSync(process.execPath, [CLI, '--quiet', '--out', out, ...options, '--', ...command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120000,
  });
  if (check && result.status !== 0) {
    throw new Error(`recording failed (${result.status}):\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

function readEvents(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** `causeway analyze --format json TRACES...`: {status, report}. */
function analyze(...traces) {
  const result = spawnSync(causewayBin(), ['analyze', '--format', 'json', ...traces], { encoding: 'utf8', timeout: 120000 });
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`causeway analyze failed (${result.status}): ${result.stderr}`);
  }
  return { status: result.status, report: JSON.parse(result.stdout) };
}

/** `{marker: line}` of `// ... [marker]` comments. */
function markers(file) {
  const found = {};
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const match = /\/\/.*\[([\w-]+)\]\s*$/.exec(text);
      if (match) {
        if (found[match[1]] !== undefined) throw new Error(`marker [${match[1]}] used twice in ${file}`);
        found[match[1]] = index + 1;
      }
    });
  return found;
}

/** The report's race groups as sorted strings `variable|loc|loc`. */
function raceGroups(report) {
  return report.races.map((race) => `${race.variable}|${[...race.locations].sort().join('|')}`).sort();
}

/** Waits up to `ms` for `file` to exist with content, and returns it. */
async function waitFor(file, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').length > 0) return fs.readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${file} did not appear`);
}

function tempDir(prefix = 'causeway-js-') {
  return fs.mkdtempSync(path.join(require('node:os').tmpdir(), prefix));
}

module.exports = { PACKAGE, CLI, causewayBin, record, readEvents, analyze, markers, raceGroups, tempDir, waitFor };
