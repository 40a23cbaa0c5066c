'use strict';
/**
 * The Jest test environment of the preset: Node's, plus one trace per test
 * file. Each test is recorded the way the pytest plugin records a test: its
 * own trace id, `metadata.test` on its events, the test as the root
 * `function_entry`, a failure as an `error` event and the test's exit.
 */
const path = require('node:path');

function load(name) {
  return require(require.resolve(name, { paths: [process.cwd(), __dirname] }));
}

const nodeEnvironment = load('jest-environment-node');
const NodeEnvironment = nodeEnvironment.TestEnvironment || nodeEnvironment.default || nodeEnvironment;

function testName(test) {
  const names = [];
  for (let block = test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) names.unshift(block.name);
  return names.join(' › ');
}

/** The line of the test's definition (jest-circus keeps the stack of the `test()` call). */
function testLine(test, testPath) {
  const stack = test.asyncError && typeof test.asyncError.stack === 'string' ? test.asyncError.stack : '';
  for (const frame of stack.split('\n')) {
    const at = frame.indexOf(testPath + ':');
    if (at >= 0) {
      const line = Number(frame.slice(at + testPath.length + 1).split(':')[0]);
      if (Number.isInteger(line) && line > 0) return line;
    }
  }
  return 1;
}

/** A file name for the trace of a test file: its path under the root, flattened. */
function traceFile(dir, root, testPath) {
  const rel = path.relative(root, testPath).split(path.sep).join('__').replace(/[^\w.-]+/g, '_');
  return path.join(dir, `${rel}.jsonl`);
}

class CausewayEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    const project = config.projectConfig || config;
    const root = path.resolve(process.env.CAUSEWAY_ROOT || project.rootDir || process.cwd());
    const dir = path.resolve(root, process.env.CAUSEWAY_TRACE_DIR || 'causeway-traces');
    this.testPath = context.testPath;
    this.global.__causewayJest = {
      out: traceFile(dir, root, context.testPath),
      root,
      service: process.env.CAUSEWAY_SERVICE || path.basename(root),
      redact: (process.env.CAUSEWAY_REDACT || '').split(',').filter(Boolean),
      defaultRedactions: process.env.CAUSEWAY_NO_DEFAULT_REDACTIONS !== '1',
    };
  }

  runtime() {
    const rt = this.global.__causeway;
    return rt && rt.recorder && rt.recorder.active ? rt.recorder : null;
  }

  async handleTestEvent(event) {
    const recorder = this.runtime();
    if (recorder === null) return;
    if (event.name === 'test_fn_start') {
      recorder.beginTest(testName(event.test), this.testPath, testLine(event.test, this.testPath));
    } else if (event.name === 'test_fn_success') {
      recorder.endTest([]);
    } else if (event.name === 'test_fn_failure') {
      recorder.endTest([event.error]);
    }
  }

  async teardown() {
    const recorder = this.runtime();
    if (recorder !== null) recorder.stop();
    await super.teardown();
  }
}

module.exports = CausewayEnvironment;
module.exports.traceFile = traceFile;
