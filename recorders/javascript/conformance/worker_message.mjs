// A worker writes shared memory and then posts a message; the main thread
// reads after the message arrives (ordered), and `early` reads before any
// message (a race with the worker's write).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (isMainThread) {
  const memory = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL(import.meta.url), { workerData: memory });
  const early = memory[1]; // [early]
  worker.on('message', () => {
    console.log(memory[0], early); // read after the message: ordered
    worker.terminate();
  });
} else {
  const memory = workerData;
  memory[0] = 42;
  memory[1] = 7; // [late]
  parentPort.postMessage('done');
}
