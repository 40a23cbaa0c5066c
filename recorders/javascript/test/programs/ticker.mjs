// Ticks until it is killed; writes the file named on its command line once
// it has ticked, so the test knows when to send the signal.
import fs from 'node:fs';

let ticks = 0;
function tick() {
  ticks += 1;
  if (ticks === 3) fs.writeFileSync(process.argv[2], 'ready');
}
setInterval(tick, 5);
