// Requests to a port nothing listens on: node:http and fetch both fail.
import http from 'node:http';

const port = Number(process.argv[2]);
await new Promise((resolve) => http.get(`http://127.0.0.1:${port}/x`).on('error', resolve));
await fetch(`http://127.0.0.1:${port}/y`).catch(() => null);
