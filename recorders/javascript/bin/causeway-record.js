#!/usr/bin/env node
'use strict';
/**
 * causeway-record [OPTIONS] -- node app.js ARGS...
 * causeway-record [OPTIONS] -- COMMAND ARGS...   (e.g. npx jest)
 *
 * Runs the program with the recorder loaded (`--import
 * causeway-recorder/register`; for a command other than `node`, through
 * NODE_OPTIONS) and exits with its status. The same shape as the Python
 * recorder's command line.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const { version } = require('../package.json');

const USAGE = `usage: causeway-record [OPTIONS] -- node SCRIPT [ARGS...]
       causeway-record [OPTIONS] -- COMMAND [ARGS...]

Record a Causeway v1 trace (JSON Lines) of one run of a Node.js program.

options:
  --out, -o PATH      trace file to write (default: causeway-trace.jsonl)
  --endpoint URL      send the events to a collector (\`causeway collect\`) at URL
                      instead of writing --out (default: $CAUSEWAY_ENDPOINT;
                      its token, if it has one, from $CAUSEWAY_TOKEN)
  --include GLOB      files to instrument, relative to --root, or a package name
                      in node_modules (repeatable; default: the project's own
                      files, node_modules excluded)
  --exclude GLOB      files never to instrument (repeatable)
  --service NAME      service name in events (default: the script's name)
  --root DIR          project root: file paths in events are relative to it
                      (default: the current directory)
  --redact REGEX      also redact values whose names match REGEX (repeatable)
  --no-default-redactions
                      do not redact password/secret/token/... names by default
  --quiet, -q         do not print where the trace went
  --version           print the version
  --help, -h          print this help`;

function fail(message) {
  process.stderr.write(`causeway-record: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** Options before `--`, and the command after it. */
function parse(argv) {
  const options = { out: 'causeway-trace.jsonl', endpoint: process.env.CAUSEWAY_ENDPOINT || null, include: [], exclude: [], redact: [], service: null, root: process.cwd(), quiet: false, defaultRedactions: true };
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= own.length) fail(`${flag} needs a value`);
      return own[i];
    };
    switch (flag) {
      case '--out':
      case '-o':
        options.out = value();
        break;
      case '--endpoint':
        options.endpoint = value();
        break;
      case '--include':
        options.include.push(value());
        break;
      case '--exclude':
        options.exclude.push(value());
        break;
      case '--redact':
        options.redact.push(value());
        break;
      case '--service':
        options.service = value();
        break;
      case '--root':
        options.root = path.resolve(value());
        break;
      case '--no-default-redactions':
        options.defaultRedactions = false;
        break;
      case '--quiet':
      case '-q':
        options.quiet = true;
        break;
      case '--version':
        process.stdout.write(`causeway-record ${version}\n`);
        process.exit(0);
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${arg}`);
    }
  }
  if (command.length === 0) fail('give the program after `--` (e.g. `-- node app.js`)');
  for (const pattern of options.redact) {
    try {
      new RegExp(pattern);
    } catch (error) {
      fail(`bad --redact pattern ${JSON.stringify(pattern)}: ${error.message}`);
    }
  }
  return { options, command };
}

function isNode(program) {
  const base = path.basename(program).toLowerCase();
  return base === 'node' || base === 'node.exe' || path.resolve(program) === process.execPath;
}

/** The script a `node` command line runs (the first argument that is not an option). */
function scriptOf(args) {
  const takesValue = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--conditions', '-C', '--input-type']);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') return null;
    if (takesValue.has(arg)) {
      i += 1;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return null;
}

function main() {
  const { options, command } = parse(process.argv.slice(2));
  const register = pathToFileURL(path.join(__dirname, '..', 'src', 'register.mjs')).href;
  const out = path.resolve(options.out);
  const env = { ...process.env };
  delete env.CAUSEWAY_OUT_TAKEN;
  env.CAUSEWAY_OUT = out;
  env.CAUSEWAY_ROOT = options.root;
  env.CAUSEWAY_INCLUDE = JSON.stringify(options.include);
  env.CAUSEWAY_EXCLUDE = JSON.stringify(options.exclude);
  env.CAUSEWAY_REDACT = JSON.stringify(options.redact);
  if (!options.defaultRedactions) env.CAUSEWAY_NO_DEFAULT_REDACTIONS = '1';
  if (options.endpoint) env.CAUSEWAY_ENDPOINT = options.endpoint;
  let program = command[0];
  let args = command.slice(1);
  if (isNode(program)) {
    const script = scriptOf(args);
    if (script !== null) {
      env.CAUSEWAY_ENTRY = path.resolve(script);
      if (!env.CAUSEWAY_SERVICE) env.CAUSEWAY_SERVICE = options.service || path.basename(script).replace(/\.[^.]*$/, '');
    }
    if (options.service) env.CAUSEWAY_SERVICE = options.service;
    program = process.execPath;
    args = ['--import', register, ...args];
  } else {
    if (options.service) env.CAUSEWAY_SERVICE = options.service;
    // Every Node process the command starts records: the first takes --out,
    // the others write OUT.PID.jsonl beside it; a trace of an earlier run goes.
    if (!options.endpoint) fs.rmSync(out, { force: true });
    env.CAUSEWAY_OUT_EXCLUSIVE = '1';
    if (!env.CAUSEWAY_TRACE_ID) env.CAUSEWAY_TRACE_ID = require('../src/ids').newTraceId();
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ? env.NODE_OPTIONS + ' ' : ''}--import=${register}`;
  }
  const child = spawn(program, args, { stdio: 'inherit', env });
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`causeway-record: cannot run ${program}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    // With --endpoint each process printed what it sent.
    if (!options.quiet && !options.endpoint) process.stderr.write(`causeway-record: trace written to ${out}\n`);
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code === null ? 1 : code);
  });
}

main();
