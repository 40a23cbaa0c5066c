// A server that handles two requests, then closes; it writes its port to
// the file named on its command line once it listens.
import http from 'node:http';
import fs from 'node:fs';

const stats = { served: 0 };

function greet(name) {
  return `hello ${name}`;
}

const server = http.createServer(async (request, response) => {
  await new Promise((resolve) => setImmediate(resolve));
  stats.served += 1;
  response.setHeader('content-type', 'text/plain');
  response.end(greet(request.url.slice(1)));
  if (stats.served === 2) server.close();
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.argv[2], String(server.address().port));
});
