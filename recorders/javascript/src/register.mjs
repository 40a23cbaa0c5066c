// `node --import causeway-recorder/register app.mjs`: records this process
// with the settings in the environment (see config.js): instruments ES
// modules through a module loader hook and CommonJS through `require`.
import { register, createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { fromEnv } = require('./config.js');
const { start } = require('./session.js');

const config = start(fromEnv());
register('./hooks.mjs', import.meta.url, { data: { config } });
