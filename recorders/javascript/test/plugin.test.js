'use strict';
/**
 * The Babel plugin on its own: what it names and where, the guard against
 * instrumenting twice, the runtime it loads, TypeScript lines.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const babel = require('@babel/core');
const plugin = require('../src/plugin');
const { transform } = require('../src/instrument');

function instrument(code, options = {}, filename = '/project/src/app.js') {
  return babel.transformSync(code, { filename, babelrc: false, configFile: false, sourceType: options.sourceType || 'module', plugins: [[plugin, { root: '/project', ...options }]] }).code;
}

/** The site definitions the instrumented file registers. */
function sites(code) {
  const match = /__cw\$\.sites\(("[^"]*"), ("[^"]*"), ("[^"]*"), (\[.*?\])\);/s.exec(code);
  assert.ok(match, code);
  return { file: JSON.parse(match[1]), module: JSON.parse(match[2]), language: JSON.parse(match[3]), defs: JSON.parse(match[4]) };
}

test('names functions, methods, arrows and nested functions', () => {
  const code = instrument(`
class Bank {
  constructor() { this.total = 0; }
  async transfer(n) { return n; }
  static open() {}
}
const helper = (x) => x;
function outer() { return function inner() {}; }
export default function () {}
const api = { get(k) { return k; } };
`);
  const names = sites(code).defs.map((d) => d[2]);
  for (const name of ['Bank.constructor', 'Bank.transfer', 'Bank.open', 'helper', 'outer', 'outer.<locals>.inner', 'default', 'api.get']) {
    assert.ok(names.includes(name), `${name} in ${names}`);
  }
});

test('locations are the original lines and columns, paths relative to the root', () => {
  const code = instrument('let hits = 0;\nfunction bump() {\n  hits += 1;\n}\n');
  const { file, module, language, defs } = sites(code);
  assert.equal(file, 'src/app.js');
  assert.equal(module, 'src/app.js');
  assert.equal(language, 'javascript');
  assert.deepEqual(defs[0].slice(0, 3), [2, 1, 'bump']);
  assert.ok(defs.slice(1).every((d) => d[0] === 3 && d[1] === 3 && d[3] === 'hits'), JSON.stringify(defs));
});

test('a file goes through the plugin once: instrumenting again changes nothing', () => {
  const once = instrument('const o = {}; function f() { o.x = 1; return o.x; }');
  const twice = instrument(once);
  assert.equal(twice, once);
  assert.equal((once.match(/__causeway_instrumented__/g) || []).length, 1);
});

test('the runtime: imported by ES modules, required by scripts, or the global the hook installed', () => {
  assert.match(instrument('export const a = 1;'), /import __cw\$runtime from "causeway-recorder\/runtime"/);
  assert.match(instrument('module.exports = 1;', { sourceType: 'script' }), /require\("causeway-recorder\/runtime"\)/);
  const global = instrument('export const a = 1;', { runtime: 'global' });
  assert.match(global, /globalThis\.__causeway/);
  assert.doesNotMatch(global, /causeway-recorder\/runtime/);
});

test('TypeScript: types are stripped and the sites keep the .ts lines', () => {
  const source = 'interface P { x: number }\n\nexport function area(p: P): number {\n  const s: number = p.x;\n  return s * s;\n}\n';
  const code = transform(source, '/project/geo.ts', { root: '/project', module: true, instrument: true });
  assert.doesNotMatch(code, /interface|: number/);
  const { file, language, defs } = sites(code);
  assert.equal(file, 'geo.ts');
  assert.equal(language, 'typescript');
  assert.deepEqual(defs[0].slice(0, 3), [3, 8, 'area']);
  assert.deepEqual(defs[1].slice(0, 4), [4, 21, 'area', 'x']);
  assert.match(code, /sourceMappingURL=data:application\/json/);
});

test('only shared state is recorded: constants, unassigned and purely local bindings are not', () => {
  const code = instrument(`
const limit = 10;
let counter = 0;
let once = 1;
function f(n) { let local = n; local += 1; counter += local; return limit + once; }
`);
  const names = new Set(sites(code).defs.map((d) => d[3]));
  assert.ok(names.has('counter'));
  for (const name of ['limit', 'once', 'local']) assert.ok(!names.has(name), name);
});

test('a JavaScript file Babel cannot parse runs as it is, with one warning; TypeScript is an error', () => {
  const { transformOrKeep } = require('../src/instrument');
  const broken = 'const x = <div>{1}</div>;';
  const writes = [];
  const write = process.stderr.write;
  process.stderr.write = (text) => writes.push(String(text));
  try {
    assert.equal(transformOrKeep(broken, '/project/view.js', { root: '/project', module: true, instrument: true }), broken);
    assert.equal(transformOrKeep(broken, '/project/view.js', { root: '/project', module: true, instrument: true }), broken);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(writes.length, 1);
  assert.match(writes[0], /causeway-recorder: not recording \/project\/view\.js/);
  assert.throws(() => transformOrKeep('let x: = ;', '/project/bad.ts', { root: '/project', module: true, instrument: true }));
});
