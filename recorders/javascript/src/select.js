'use strict';
/**
 * Which files are instrumented.
 *
 * Patterns are globs (picomatch) matched against the file's path relative to
 * the project root (and, for absolute patterns, its absolute path). With no
 * `include` pattern, every file under the root outside `node_modules` is the
 * program's own code and is recorded; with `include` patterns, only the
 * files they match. A bare package name (`lodash`, `@scope/pkg`) selects
 * that package in any `node_modules`. `exclude` always wins, and the
 * recorder never instruments itself.
 */
const path = require('node:path');
const picomatch = require('picomatch');

const RECORDER_DIR = path.resolve(__dirname, '..');
const SOURCE_EXTENSIONS = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

function isPackageName(pattern) {
  return /^(?:@[\w.-]+\/)?[\w.-]+$/.test(pattern) && !SOURCE_EXTENSIONS.test(pattern);
}

function compile(patterns) {
  const globs = [];
  for (const pattern of patterns) {
    globs.push(pattern);
    if (isPackageName(pattern)) globs.push(`**/node_modules/${pattern}/**`, `${pattern}/**`);
    else if (!pattern.includes('/')) globs.push(`**/${pattern}`);
  }
  return globs.length === 0 ? () => false : picomatch(globs, { dot: true });
}

/**
 * A predicate on absolute file names. `entry` (the script on the command
 * line) is always recorded unless excluded.
 */
function makeSelector({ root, include = [], exclude = [], entry = null }) {
  const base = path.resolve(root || process.cwd());
  const included = compile(include);
  const excluded = compile(exclude);
  const entryFile = entry ? path.resolve(entry) : null;
  return function selected(file) {
    if (!SOURCE_EXTENSIONS.test(file) || file.endsWith('.d.ts')) return false;
    const absolute = path.resolve(file);
    if (absolute === RECORDER_DIR || absolute.startsWith(RECORDER_DIR + path.sep)) {
      // the recorder's own sources; its test programs are user code
      const inside = path.relative(RECORDER_DIR, absolute).split(path.sep);
      if (inside[0] === 'src' || inside[0] === 'bin' || inside[0] === 'node_modules') return false;
    }
    const rel = path.relative(base, absolute).split(path.sep).join('/');
    const slash = absolute.split(path.sep).join('/');
    if (excluded(rel) || excluded(slash)) return false;
    if (absolute === entryFile) return true;
    if (include.length > 0) return included(rel) || included(slash);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
    return !rel.split('/').includes('node_modules');
  };
}

module.exports = { makeSelector };
