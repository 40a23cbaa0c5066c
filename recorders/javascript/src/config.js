'use strict';
/**
 * Settings of a recording, read from the environment (the command line
 * passes them the same way, so `node --import causeway-recorder/register`
 * and `causeway-record` behave alike):
 *
 *   CAUSEWAY_OUT        trace file (default causeway-trace.jsonl)
 *   CAUSEWAY_INCLUDE    globs to instrument, comma-separated or a JSON array
 *   CAUSEWAY_EXCLUDE    globs never to instrument, likewise
 *   CAUSEWAY_ROOT       project root (default: the current directory)
 *   CAUSEWAY_SERVICE    `service` of every event (default: the script's name)
 *   CAUSEWAY_REDACT     more redaction patterns (regular expressions), likewise
 *   CAUSEWAY_NO_DEFAULT_REDACTIONS=1   do not redact password/token/... names
 *   CAUSEWAY_TRACE_ID   the trace id (default: a new one per process)
 *   CAUSEWAY_ENTRY      the program's script, always instrumented
 *   CAUSEWAY_ENDPOINT   send events to a collector (`causeway collect`) at
 *                       this URL instead of writing CAUSEWAY_OUT
 *   CAUSEWAY_TOKEN      the collector's token (`Authorization: Bearer`)
 */
const path = require('node:path');

function list(text) {
  if (text === undefined || text.trim() === '') return [];
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || parsed.some((p) => typeof p !== 'string')) throw new Error('expected a JSON array of strings');
    return parsed;
  }
  return trimmed.split(',').map((p) => p.trim()).filter(Boolean);
}

function fromEnv(env = process.env) {
  const root = path.resolve(env.CAUSEWAY_ROOT || process.cwd());
  const entry = env.CAUSEWAY_ENTRY || process.argv[1] || null;
  let include;
  let exclude;
  let redact;
  try {
    include = list(env.CAUSEWAY_INCLUDE);
    exclude = list(env.CAUSEWAY_EXCLUDE);
    redact = list(env.CAUSEWAY_REDACT);
  } catch (error) {
    throw new Error(`causeway-recorder: bad CAUSEWAY_INCLUDE/EXCLUDE/REDACT: ${error.message}`);
  }
  const service = env.CAUSEWAY_SERVICE || (entry ? path.basename(entry).replace(/\.[^.]*$/, '') : 'node');
  return {
    out: path.resolve(env.CAUSEWAY_OUT || 'causeway-trace.jsonl'),
    root,
    include,
    exclude,
    redact,
    defaultRedactions: env.CAUSEWAY_NO_DEFAULT_REDACTIONS !== '1',
    service,
    traceId: env.CAUSEWAY_TRACE_ID || undefined,
    entry: entry ? path.resolve(entry) : null,
    endpoint: env.CAUSEWAY_ENDPOINT || undefined,
    token: env.CAUSEWAY_TOKEN || undefined,
  };
}

module.exports = { fromEnv, list };
