'use strict';
/**
 * `--endpoint`: recorded programs send their events to a real `causeway
 * collect` on loopback instead of writing a file. A server and a client in
 * two processes become one recording in the collector's directory, which
 * `causeway analyze DIR` reads as one trace across both services; each
 * process says at exit how many events it sent, and a collector that is
 * missing or refuses the token is a counted loss, never a silent one.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { CLI, causewayBin, record, readEvents, analyze, tempDir, waitFor } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const PROGRAMS = path.join(__dirname, 'programs');

/** Starts `causeway collect` into `out`; resolves {url, stop()} once it listens. */
function startCollector(out, extra = []) {
  const child = spawn(causewayBin(), ['collect', '--listen', '127.0.0.1:0', '--out', out, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the collector did not start: ${stderr}`)), 20000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /listening on (http:\/\/[0-9.:]+)/.exec(stderr);
      if (found && timer) {
        clearTimeout(timer);
        resolve({
          url: found[1],
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('error', reject);
  });
}

/** Every event the collector wrote, by service. */
function collected(dir) {
  const byService = new Map();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const event of readEvents(path.join(dir, name))) {
      const service = event.metadata.service;
      if (!byService.has(service)) byService.set(service, []);
      byService.get(service).push(event);
    }
  }
  return byService;
}

/** The count in a recorder's exit line `causeway-recorder: N events sent to URL`. */
function sentCount(stderr, url) {
  const escaped = url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const found = new RegExp(`causeway-recorder: (\\d+) events sent to ${escaped}(;[^\\n]*)?\\n`).exec(stderr);
  assert.ok(found, `no summary line in ${JSON.stringify(stderr)}`);
  return { sent: Number(found[1]), problems: found[2] || '' };
}

test('a server and a client send to one collector: one trace across both services', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'collected');
  const portFile = path.join(dir, 'port');
  const collector = await startCollector(out);
  const env = { ...process.env, CAUSEWAY_ENDPOINT: collector.url };
  let serverStderr = '';
  const server = spawn(process.execPath, [CLI, '--quiet', '--service', 'shop-api', '--', 'node', 'http_server.mjs', portFile], { cwd: PROGRAMS, env, stdio: ['ignore', 'inherit', 'pipe'] });
  server.stderr.on('data', (chunk) => {
    serverStderr += chunk;
  });
  const serverExited = new Promise((resolve) => server.on('exit', resolve));
  let client;
  try {
    const port = await waitFor(portFile, 20000);
    client = record(['node', 'http_client.mjs', port], path.join(dir, 'unused.jsonl'), { cwd: PROGRAMS, options: ['--service', 'shop-web', '--endpoint', collector.url] });
    assert.equal(client.stdout.trim(), 'hello ada | hello bob');
    assert.equal(await serverExited, 0);
  } finally {
    server.kill();
  }
  assert.equal(await collector.stop(), 0, 'the collector stops cleanly on SIGTERM');
  assert.ok(!fs.existsSync(path.join(dir, 'unused.jsonl')), 'with --endpoint no file is written');

  const byService = collected(out);
  assert.deepEqual([...byService.keys()].sort(), ['shop-api', 'shop-web']);
  const web = byService.get('shop-web');
  const api = byService.get('shop-api');
  checkEvents(web);
  checkEvents(api, new Set(web.map((e) => e.id)));
  // Each process's exit line counts exactly what the collector wrote of it.
  assert.deepEqual(sentCount(client.stderr, collector.url), { sent: web.length, problems: '' });
  assert.deepEqual(sentCount(serverStderr, collector.url), { sent: api.length, problems: '' });

  // The server's handler hangs below the client's request, in one trace.
  const requests = web.filter((e) => e.kind === 'http_request');
  assert.equal(requests.length, 2);
  for (const request of requests) {
    const arrival = api.find((e) => e.parent_id === request.id);
    assert.ok(arrival, 'the server saw the request as the child of the client’s');
    assert.equal(arrival.trace_id.replace(/-/g, ''), request.trace_id.replace(/-/g, ''));
  }

  const { report } = analyze(out);
  assert.equal(report.summary.events, web.length + api.length, 'analyze DIR reads every event');
  assert.equal(report.summary.bad_lines, 0);
  const handlerTraces = new Set(api.filter((e) => e.parent_id && requests.some((r) => r.id === e.parent_id)).map((e) => e.trace_id.replace(/-/g, '')));
  assert.equal(handlerTraces.size, 1, 'both requests of the client are one trace');
});

test('no collector at the endpoint: the program still exits, and the loss is counted', () => {
  const dir = tempDir();
  // A port that was just free: nothing listens there.
  const started = Date.now();
  const result = record(['node', 'mixed.cjs'], path.join(dir, 'unused.jsonl'), { cwd: PROGRAMS, options: ['--endpoint', 'http://127.0.0.1:9'] });
  const elapsed = Date.now() - started;
  const { sent, problems } = sentCount(result.stderr, 'http://127.0.0.1:9');
  assert.equal(sent, 0);
  assert.match(problems, /^; \d+ lost \(cannot reach the collector: /);
  assert.ok(Number(/(\d+) lost/.exec(problems)[1]) > 0);
  assert.ok(elapsed < 20000, `exit took ${elapsed} ms: the sender gives up after its timeout`);
});

test('a collector with a token: sent with CAUSEWAY_TOKEN, refused and counted without it', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'collected');
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, 's3cret-token\n');
  const collector = await startCollector(out, ['--token-file', tokenFile]);
  try {
    const withToken = record(['node', 'mixed.cjs'], path.join(dir, 'a.jsonl'), { cwd: PROGRAMS, options: ['--service', 'with-token', '--endpoint', collector.url], env: { CAUSEWAY_TOKEN: 's3cret-token' } });
    const first = sentCount(withToken.stderr, collector.url);
    assert.ok(first.sent > 0);
    assert.equal(first.problems, '');

    const without = record(['node', 'mixed.cjs'], path.join(dir, 'b.jsonl'), { cwd: PROGRAMS, options: ['--service', 'no-token', '--endpoint', collector.url] });
    const second = sentCount(without.stderr, collector.url);
    assert.equal(second.sent, 0);
    assert.match(second.problems, /^; \d+ lost \(collector answered 401: /);
    assert.equal(Number(/(\d+) lost/.exec(second.problems)[1]), first.sent, 'the same program, the same events, all counted');
  } finally {
    assert.equal(await collector.stop(), 0);
  }
  const byService = collected(out);
  assert.deepEqual([...byService.keys()], ['with-token']);
});
