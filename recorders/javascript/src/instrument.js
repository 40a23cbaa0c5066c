'use strict';
/**
 * Source to instrumented source: Babel with the plugin, and the TypeScript
 * transform for `.ts`/`.mts`/`.cts` files. Source maps are inline, so stack
 * traces (with source maps enabled) point at the original lines; events
 * carry the original lines anyway, taken from the parse of the original.
 */
const babel = require('@babel/core');
const plugin = require('./plugin');

const TS = /\.[cm]?tsx?$/;

/** Whether a TypeScript or JavaScript source is an ES module (by its syntax). */
function looksLikeModule(code) {
  return /^\s*(?:import\s*[\w*{'"]|export\s)/m.test(code) || /\bimport\.meta\b/.test(code) || /^\s*await\s/m.test(code);
}

/**
 * @param {string} code
 * @param {string} filename absolute
 * @param {{root: string, module: boolean, instrument: boolean, runtime?: string}} options
 */
function transform(code, filename, options) {
  const plugins = [];
  if (options.instrument) plugins.push([plugin, { root: options.root, runtime: options.runtime || 'global' }]);
  if (TS.test(filename)) plugins.push([require('@babel/plugin-transform-typescript'), { allowDeclareFields: true, onlyRemoveTypeImports: false }]);
  if (plugins.length === 0) return code;
  const result = babel.transformSync(code, {
    filename,
    babelrc: false,
    configFile: false,
    sourceType: options.module ? 'module' : 'script',
    parserOpts: { allowReturnOutsideFunction: !options.module },
    plugins,
    sourceMaps: 'inline',
    compact: false,
    comments: true,
  });
  return result.code;
}

const warned = new Set();

/**
 * `transform`, but a JavaScript file Babel cannot parse with the recorder's
 * settings (JSX, decorators, a syntax proposal) runs as it is, not
 * recorded, with one warning; TypeScript that cannot be transpiled is an
 * error (it could not run at all).
 */
function transformOrKeep(code, filename, options) {
  try {
    return transform(code, filename, options);
  } catch (error) {
    if (TS.test(filename)) throw error;
    if (!warned.has(filename)) {
      warned.add(filename);
      process.stderr.write(`causeway-recorder: not recording ${filename}: ${String(error.message).split('\n')[0]}\n`);
    }
    return code;
  }
}

/** Module source from a loader as text (it may come as a Buffer or a typed array). */
function sourceText(source) {
  if (typeof source === 'string') return source;
  return new TextDecoder('utf-8').decode(source);
}

module.exports = { transform, transformOrKeep, sourceText, looksLikeModule, TS };
