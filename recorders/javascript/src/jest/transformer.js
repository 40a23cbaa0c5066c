'use strict';
/**
 * A Jest transformer: babel-jest (with the project's own Babel config) plus
 * the recorder's plugin for the files the selection accepts, and the
 * TypeScript transform for `.ts` files. The instrumented code uses the
 * runtime that src/jest/setup.js loads into each test file's context.
 * Settings: CAUSEWAY_INCLUDE / CAUSEWAY_EXCLUDE / CAUSEWAY_ROOT (config.js);
 * test files (`__tests__/`, `*.test.*`, `*.spec.*`) are not instrumented
 * unless CAUSEWAY_INCLUDE selects files.
 */
const path = require('node:path');
const plugin = require('../plugin');
const { makeSelector } = require('../select');
const { fromEnv } = require('../config');

function load(name) {
  return require(require.resolve(name, { paths: [process.cwd(), __dirname] }));
}

const babelJest = load('babel-jest');
const factory = babelJest.default || babelJest;

function createTransformer(options = {}) {
  const config = fromEnv();
  // Test files are the test runner's, as the pytest plugin leaves test
  // modules alone: the code under test is what is recorded.
  const exclude = config.include.length > 0 ? config.exclude : [...config.exclude, '**/__tests__/**', '**/*.test.*', '**/*.spec.*'];
  const selected = makeSelector({ ...config, exclude, entry: null });
  const typescript = require.resolve('@babel/plugin-transform-typescript');
  const make = (instrument) =>
    factory.createTransformer({
      ...options,
      plugins: [...(options.plugins || []), ...(instrument ? [[plugin, { root: config.root, runtime: 'global' }]] : [])],
      overrides: [...(options.overrides || []), { test: /\.[cm]?tsx?$/, plugins: [[typescript, { allowDeclareFields: true }]] }],
    });
  const instrumented = make(true);
  const plain = make(false);
  const pick = (file) => (selected(path.resolve(file)) ? instrumented : plain);
  return {
    canInstrument: false,
    getCacheKey(source, file, transformOptions) {
      return `${pick(file) === instrumented ? 'cw1' : 'cw0'}:${pick(file).getCacheKey(source, file, transformOptions)}`;
    },
    process(source, file, transformOptions) {
      return pick(file).process(source, file, transformOptions);
    },
    processAsync(source, file, transformOptions) {
      return pick(file).processAsync(source, file, transformOptions);
    },
  };
}

module.exports = { createTransformer, ...createTransformer() };
