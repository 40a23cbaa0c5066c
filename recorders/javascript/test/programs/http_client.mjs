// A client: one request through node:http, one through fetch.
import http from 'node:http';

const port = Number(process.argv[2]);

function get(path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { authorization: 'Bearer secret' } }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function main() {
  const first = await get('/ada');
  const second = await (await fetch(`http://127.0.0.1:${port}/bob`)).text();
  console.log(first, '|', second);
}

await main();
