// `node --import causeway-recorder/register app.mjs`: records this process
// with the settings in the environment (see config.js): instruments ES
// modules through a module loader hook and CommonJS through `require`.
import * as nodeModule from 'node:module';

const require = nodeModule.createRequire(import.meta.url);
const { fromEnv } = require('./config.js');
const { start } = require('./session.js');

if (typeof nodeModule.register !== 'function') {
  process.stderr.write(`causeway-recorder: Node ${process.version} has no module.register; Node 20.6 or newer is needed\n`);
  process.exit(2);
}

let config;
try {
  config = start(fromEnv());
} catch (error) {
  process.stderr.write(`causeway-recorder: ${error.message}\n`);
  process.exit(2);
}
nodeModule.register('./hooks.mjs', import.meta.url, { data: { config } });
