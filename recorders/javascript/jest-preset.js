'use strict';
// `preset: 'causeway-recorder'` in jest.config.js: one trace per test file
// in $CAUSEWAY_TRACE_DIR (default causeway-traces/), every test its own
// trace id, the code instrumented through babel-jest.
const path = require('node:path');

module.exports = {
  testEnvironment: path.join(__dirname, 'src', 'jest', 'environment.js'),
  setupFiles: [path.join(__dirname, 'src', 'jest', 'setup.js')],
  transform: { '\\.[cm]?[jt]sx?$': path.join(__dirname, 'src', 'jest', 'transformer.js') },
};
