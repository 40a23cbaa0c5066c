'use strict';
// Runs in each test file's context before its tests: loads the runtime
// there and starts the file's trace (the environment says where).
const runtime = require('../runtime');
const patches = require('../patches');

const settings = globalThis.__causewayJest;
if (settings && !runtime.recorder.active) {
  patches.install({ timersModule: false });
  runtime.recorder.start(settings);
}
