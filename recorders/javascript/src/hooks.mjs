// Module loader hooks (they run on Node's loader thread): ES modules the
// selection accepts are instrumented as they load; TypeScript files are
// transpiled (and instrumented when selected); CommonJS is left to the
// `require` hook, so nothing is instrumented twice.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { makeSelector } = require('./select.js');
const { transform, transformOrKeep, sourceText, looksLikeModule, TS } = require('./instrument.js');

let config = null;
let selected = () => false;

export async function initialize(data) {
  config = data.config;
  selected = makeSelector(config);
}

async function exists(file) {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** TypeScript's habits: `./util` and `./util.js` may name `./util.ts`. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const parent = context.parentURL;
    if (!parent || !parent.startsWith('file:') || !(specifier.startsWith('.') || specifier.startsWith('/'))) throw error;
    const base = path.resolve(path.dirname(fileURLToPath(parent)), specifier);
    const candidates = [base + '.ts', base + '.mts', base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), path.join(base, 'index.ts')];
    for (const candidate of candidates) {
      if (candidate !== base && (await exists(candidate))) return { url: pathToFileURL(candidate).href, shortCircuit: true };
    }
    throw error;
  }
}

async function packageType(file) {
  let dir = path.dirname(file);
  for (;;) {
    try {
      const text = await readFile(path.join(dir, 'package.json'), 'utf8');
      return JSON.parse(text).type === 'module' ? 'module' : 'commonjs';
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return 'commonjs';
      dir = up;
    }
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (TS.test(file) && !file.endsWith('.d.ts')) {
    const code = await readFile(file, 'utf8');
    let format;
    if (file.endsWith('.mts')) format = 'module';
    else if (file.endsWith('.cts')) format = 'commonjs';
    else format = looksLikeModule(code) || (await packageType(file)) === 'module' ? 'module' : 'commonjs';
    if (format === 'commonjs') {
      // `require` compiles it (through the require hook) with a real `require`.
      return { format, shortCircuit: true, source: null };
    }
    const source = transform(code, file, { root: config.root, module: true, instrument: selected(file) });
    return { format, source, shortCircuit: true };
  }
  const loaded = await nextLoad(url, context);
  if (loaded.format !== 'module' || !selected(file)) return loaded;
  const source = transformOrKeep(sourceText(loaded.source), file, { root: config.root, module: true, instrument: true });
  return { ...loaded, source };
}
