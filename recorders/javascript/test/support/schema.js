'use strict';
/**
 * A check of events against the format's contract (the parts a recorder
 * controls): required fields, known kinds, metadata per kind, ids unique,
 * parents known and earlier. The repository's JSON Schema is also applied
 * when the `ajv` package is installed (CI installs it).
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const KINDS = new Set(['function_entry', 'function_exit', 'async_spawn', 'async_await', 'state_read', 'state_write', 'lock_acquire', 'lock_release', 'message_send', 'message_receive', 'http_request', 'http_response', 'db_query', 'error', 'custom']);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const SCHEMA = path.resolve(__dirname, '..', '..', '..', '..', 'schema', 'event.schema.json');

let validate = null;
function schemaValidator() {
  if (validate !== null) return validate;
  let Ajv;
  try {
    Ajv = require('ajv/dist/2020');
  } catch (error) {
    // Outside CI the hand-written checks below still run; in CI the schema must be applied.
    if (process.env.CI === 'true') throw new Error(`ajv is not installed (npm ci): ${error.message}`);
    validate = () => true;
    return validate;
  }
  const ajv = new Ajv({ strict: false, allErrors: false });
  require('ajv-formats')(ajv);
  validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
  return validate;
}

/** `external`: ids of events in the other files of the recording (a parent may be there). */
function checkEvents(events, external = new Set()) {
  const seen = new Set();
  const schema = schemaValidator();
  for (const [index, event] of events.entries()) {
    const where = `event ${index + 1} (${JSON.stringify(event).slice(0, 300)})`;
    assert.ok(schema(event), `${where} breaks the schema: ${JSON.stringify(schema.errors)}`);
    assert.equal(typeof event.id, 'string', where);
    assert.ok(!seen.has(event.id), `${where}: duplicate id`);
    assert.ok(typeof event.trace_id === 'string' && event.trace_id.length > 0, where);
    assert.match(event.timestamp, TIMESTAMP, where);
    assert.ok(KINDS.has(event.kind), `${where}: kind ${event.kind}`);
    if (event.parent_id !== null) assert.ok(seen.has(event.parent_id) || external.has(event.parent_id), `${where}: parent ${event.parent_id} not earlier`);
    seen.add(event.id);
    const m = event.metadata;
    assert.equal(typeof m.service, 'string', where);
    assert.equal(typeof m.thread, 'string', where);
    if (event.kind === 'state_read' || event.kind === 'state_write') {
      assert.equal(typeof m.variable, 'string', where);
      assert.ok('value' in m, where);
      assert.equal(typeof m.file, 'string', where);
      assert.ok(Number.isInteger(m.line) && m.line > 0, where);
    }
    if (event.kind === 'function_entry') {
      assert.ok(Array.isArray(m.args), where);
      assert.equal(typeof m.function, 'string', where);
      assert.equal(typeof m.module, 'string', where);
    }
    if (event.kind === 'function_exit') assert.ok('return_value' in m || 'exception' in m, where);
    if (event.kind === 'async_spawn' || event.kind === 'async_await') assert.equal(typeof m.task, 'string', where);
    if (event.kind === 'message_send' || event.kind === 'message_receive') assert.equal(typeof m.message_id, 'string', where);
  }
}

module.exports = { checkEvents };
