'use strict';
/**
 * HTTP through diagnostics_channel: node:http clients and servers, and
 * `fetch` (undici).
 *
 * - An outgoing request is an `http_request` (method, url, headers,
 *   `traceparent`) on the lane that made it; a W3C `traceparent` header
 *   carrying the trace id and the request event's span is added to it. Its
 *   response is an `http_response` (status, headers) whose parent is the
 *   request.
 * - An incoming request starts a lane of its own (`request-N`) whose events
 *   belong to the caller's trace and hang below the caller's `http_request`
 *   (read from the `traceparent` header): the handler's events are the
 *   children of the client's request, in the other process's trace file.
 *   The server's finished response is a `message_send` the client's
 *   `http_response` receives.
 *
 * Node 20 publishes no channel before a node:http request's headers are
 * sent, so there (only) `http.request`/`http.get` and their https twins are
 * wrapped to add the header; every event still comes from the channels.
 */
const dc = require('node:diagnostics_channel');
const crypto = require('node:crypto');
const runtime = require('./runtime');
const lanes = require('./lanes');

const R = runtime.recorder;
const q = JSON.stringify;
const requests = new WeakMap();
const ALWAYS_REDACTED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** The event id of the request whose span is `span` (16 hex): the span, then zeros. */
function requestEventId(span) {
  return `${span}0000000000000000`;
}

function newSpan() {
  let span;
  do span = crypto.randomBytes(8).toString('hex');
  while (span === '0000000000000000');
  return span;
}

function traceparentFor(span) {
  const lane = lanes.currentLane();
  const trace = (lane.trace || R.traceId || '').replace(/-/g, '').toLowerCase();
  const traceId = /^[0-9a-f]{32}$/.test(trace) ? trace : crypto.randomBytes(16).toString('hex');
  return `00-${traceId}-${span}-01`;
}

function parseTraceparent(value) {
  const match = typeof value === 'string' ? /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim().toLowerCase()) : null;
  if (match === null || match[2] === '0'.repeat(32) || match[3] === '0'.repeat(16)) return null;
  return { trace: match[2], span: match[3] };
}

function headersJson(headers) {
  const parts = [];
  for (const [name, value] of headers) {
    const lower = String(name).toLowerCase();
    const text = ALWAYS_REDACTED.has(lower) ? '{"$redacted":"header"}' : R.json(lower, Array.isArray(value) ? value.join(', ') : value);
    parts.push(`${q(lower)}:${text}`);
    if (parts.length >= 50) break;
  }
  return `{${parts.join(',')}}`;
}

function pairs(object) {
  return object ? Object.entries(object) : [];
}

/** undici keeps headers as a flat [name, value, ...] array (or a string in old versions). */
function undiciPairs(headers) {
  const out = [];
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out.push([String(headers[i]), String(headers[i + 1])]);
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const at = line.indexOf(':');
      if (at > 0) out.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
    }
  }
  return out;
}

function emitRequest(span, method, url, headers, traceparent) {
  if (!R.active || R.busy) return;
  const lane = lanes.currentLane();
  R.emit('http_request', lane, `,"method":${q(method)},"url":${q(url)},"headers":${headersJson(headers)},"traceparent":${q(traceparent)},"language":"javascript"`, lane.parent(), requestEventId(span));
}

function emitResponse(span, status, headers) {
  if (!R.active || R.busy) return;
  const lane = lanes.currentLane();
  R.emit('message_receive', lane, `,"channel":"http","message_id":${q(`http-response:${span}`)},"language":"javascript"`, lane.parent());
  R.emit('http_response', lane, `,"status":${status === null ? 'null' : Number(status)},"headers":${headersJson(headers)},"language":"javascript"`, requestEventId(span));
}

/** A request that got no response (refused, reset, timed out): an http_response with the error and no status. */
function emitFailure(span, error) {
  if (!R.active || R.busy) return;
  const lane = lanes.currentLane();
  const type = error instanceof Error ? error.code || error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  R.emit('http_response', lane, `,"headers":{},"error":{"type":${q(String(type))},"message":${q(String(message).slice(0, 1000))}},"language":"javascript"`, requestEventId(span));
}

// -- node:http clients --------------------------------------------------------

function tagClientRequest(request) {
  if (requests.has(request) || request.headersSent) return;
  const span = newSpan();
  const traceparent = traceparentFor(span);
  try {
    request.setHeader('traceparent', traceparent);
  } catch {
    return;
  }
  requests.set(request, { span, traceparent });
}

function wrapClientModule(module) {
  const request = module.request;
  module.request = function (...args) {
    const req = request.apply(this, args);
    if (R.active) tagClientRequest(req);
    return req;
  };
  module.get = function (...args) {
    const req = module.request(...args);
    req.end();
    return req;
  };
}

function subscribeClient() {
  const created = dc.channel('http.client.request.created');
  created.subscribe(({ request }) => {
    if (R.active) tagClientRequest(request);
  });
  if (!hasCreatedChannel()) {
    wrapClientModule(require('node:http'));
    wrapClientModule(require('node:https'));
    require('node:module').syncBuiltinESMExports();
  }
  dc.subscribe('http.client.request.start', ({ request }) => {
    const tag = requests.get(request);
    if (tag === undefined) return;
    const host = request.getHeader('host') || request.host || 'localhost';
    const url = `${request.protocol || 'http:'}//${host}${request.path}`;
    emitRequest(tag.span, request.method, url, pairs(request.getHeaders()), tag.traceparent);
  });
  dc.subscribe('http.client.response.finish', ({ request, response }) => {
    const tag = requests.get(request);
    if (tag !== undefined && !tag.done) {
      tag.done = true;
      emitResponse(tag.span, response.statusCode, pairs(response.headers));
    }
  });
  // A request that never got its response: the 'error' event of a request
  // that was started (recorded), once.
  dc.subscribe('http.client.request.start', ({ request }) => {
    const tag = requests.get(request);
    if (tag === undefined) return;
    request.prependListener('error', (error) => {
      if (!tag.done) {
        tag.done = true;
        emitFailure(tag.span, error);
      }
    });
  });
}

/** Whether this Node publishes a channel when a client request is created (Node >= 22.14). */
function hasCreatedChannel() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 2) || (major === 22 && minor >= 14);
}

// -- fetch (undici) -------------------------------------------------------------

function subscribeUndici() {
  dc.subscribe('undici:request:create', ({ request }) => {
    if (!R.active || requests.has(request)) return;
    const span = newSpan();
    const traceparent = traceparentFor(span);
    if (typeof request.addHeader === 'function') request.addHeader('traceparent', traceparent);
    requests.set(request, { span, traceparent });
    emitRequest(span, request.method, `${request.origin}${request.path}`, undiciPairs(request.headers), traceparent);
  });
  dc.subscribe('undici:request:headers', ({ request, response }) => {
    const tag = requests.get(request);
    if (tag !== undefined && !tag.done) {
      tag.done = true;
      emitResponse(tag.span, response.statusCode, undiciPairs(response.headers));
    }
  });
  dc.subscribe('undici:request:error', ({ request, error }) => {
    const tag = requests.get(request);
    if (tag !== undefined && !tag.done) {
      tag.done = true;
      emitFailure(tag.span, error);
    }
  });
}

// -- servers ----------------------------------------------------------------------

const served = new WeakMap();

function subscribeServer() {
  dc.subscribe('http.server.request.start', ({ request, response }) => {
    if (!R.active) return;
    const context = parseTraceparent(request.headers.traceparent);
    const parent = context === null ? null : requestEventId(context.span);
    const lane = lanes.newLane('request', '', parent);
    lane.trace = context === null ? crypto.randomBytes(16).toString('hex') : context.trace;
    // The handler runs next, in this same synchronous run: on this lane.
    lanes.enter(lane);
    const id = R.emit('custom', lane, `,"name":"http.server.request","data":{"method":${q(request.method)},"url":${q(request.url)},"headers":${headersJson(pairs(request.headers))}},"language":"javascript"`, parent);
    lane.baseParent = id;
    served.set(response, { lane, span: context && context.span });
  });
  dc.subscribe('http.server.response.finish', ({ response }) => {
    const entry = served.get(response);
    if (entry === undefined || !R.active || entry.span === null) return;
    R.emit('message_send', entry.lane, `,"channel":"http","message_id":${q(`http-response:${entry.span}`)},"status":${Number(response.statusCode)},"language":"javascript"`, entry.lane.parent());
  });
}

let installed = false;

function install() {
  if (installed) return;
  installed = true;
  subscribeClient();
  subscribeUndici();
  subscribeServer();
}

module.exports = { install, parseTraceparent };
