'use strict';
/**
 * HTTP across two processes: a recorded node:http server and a recorded
 * client (node:http and fetch). One trace across both files: the server's
 * handler is a child of the client's request, through `traceparent`.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { CLI, record, readEvents, analyze, tempDir, waitFor } = require('./support/helpers');
const { checkEvents } = require('./support/schema');

const PROGRAMS = path.join(__dirname, 'programs');

test('a server and a client in two processes: one trace, the handler below the request', async () => {
  const dir = tempDir();
  const portFile = path.join(dir, 'port');
  const serverTrace = path.join(dir, 'server.jsonl');
  const clientTrace = path.join(dir, 'client.jsonl');
  const server = spawn(process.execPath, [CLI, '--quiet', '--out', serverTrace, '--', 'node', 'http_server.mjs', portFile], { cwd: PROGRAMS, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  try {
    const port = await waitFor(portFile, 20000);
    const client = record(['node', 'http_client.mjs', port], clientTrace, { cwd: PROGRAMS });
    assert.equal(client.stdout.trim(), 'hello ada | hello bob');
    assert.equal(await exited, 0);
  } finally {
    server.kill();
  }

  const clientEvents = readEvents(clientTrace);
  const serverEvents = readEvents(serverTrace);
  checkEvents(clientEvents);
  checkEvents(serverEvents, new Set(clientEvents.map((e) => e.id)));

  const requests = clientEvents.filter((e) => e.kind === 'http_request');
  assert.equal(requests.length, 2, 'node:http and fetch');
  assert.deepEqual(requests.map((e) => new URL(e.metadata.url).pathname), ['/ada', '/bob']);
  assert.deepEqual(requests[0].metadata.headers.authorization, { $redacted: 'header' });
  for (const request of requests) {
    const [, traceId, span] = request.metadata.traceparent.split('-');
    assert.equal(request.metadata.headers.traceparent, request.metadata.traceparent, 'the header was sent');
    assert.equal(traceId, request.trace_id.replace(/-/g, ''));
    assert.ok(request.id.startsWith(span));
    const response = clientEvents.find((e) => e.kind === 'http_response' && e.parent_id === request.id);
    assert.equal(response.metadata.status, 200);

    const arrival = serverEvents.find((e) => e.kind === 'custom' && e.parent_id === request.id);
    assert.ok(arrival, 'the server saw the request as the child of the client’s');
    assert.equal(arrival.trace_id, request.trace_id, 'one trace across both files');
    const handler = serverEvents.find((e) => e.kind === 'function_entry' && e.parent_id === arrival.id);
    assert.ok(handler, 'the handler is a child of the request');
    assert.equal(handler.trace_id, request.trace_id);
    const greet = serverEvents.find((e) => e.kind === 'function_entry' && e.metadata.function === 'greet' && e.trace_id === request.trace_id);
    assert.ok(greet, 'events after the handler’s await stay in the client’s trace');
  }

  const { report } = analyze(clientTrace, serverTrace);
  assert.equal(report.summary.bad_lines, 0);
  assert.equal(report.summary.warnings, 0);
  // The two requests' handlers both bump `served`: unordered, they race.
  const served = report.races.filter((race) => race.variable.endsWith('.served'));
  assert.ok(served.length > 0);
  for (const race of served) {
    for (const access of race.accesses) {
      assert.ok(access.chain.some((id) => requests.some((r) => r.id === id)), 'the chain of a server access passes through the client’s request');
    }
  }
});

test('a request that gets no response: an http_response with the error and no status', async () => {
  const port = await new Promise((resolve) => {
    const probe = require('node:net').createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const trace = path.join(tempDir(), 'refused.jsonl');
  record(['node', 'http_refused.mjs', String(port)], trace, { cwd: PROGRAMS });
  const events = readEvents(trace);
  checkEvents(events);
  const requests = events.filter((e) => e.kind === 'http_request');
  assert.equal(requests.length, 2);
  for (const request of requests) {
    const response = events.find((e) => e.kind === 'http_response' && e.parent_id === request.id);
    assert.ok(response, request.metadata.url);
    assert.ok(!('status' in response.metadata));
    assert.equal(response.metadata.error.type, 'ECONNREFUSED');
  }
  assert.equal(events.filter((e) => e.kind === 'http_response').length, 2, 'once each');
});
