import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startKiln } from './run-kiln.ts';

// Another service where --url points: a page of HTML for every request, as a web server or a proxy answers.
let server: Server;
let url: string;
before(async () => {
  server = createServer((request, response) => {
    response.writeHead(request.url?.startsWith('/runs') ? 404 : 200, { 'content-type': 'text/html' });
    response.end('<!DOCTYPE html><html><body><h1>Not Found</h1><p>nginx</p></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('a --url that is not a Kiln api is named as such, without its HTML page, exit code 3', async () => {
  for (const args of [['runs'], ['models']]) {
    const { code, stderr } = await startKiln([...args, '--url', url]).done;
    assert.equal(code, 3, stderr);
    assert.match(stderr, /answered (404 Not Found|200 OK) with something other than Kiln's JSON; is it a Kiln api\?/);
    assert.doesNotMatch(stderr, /<html|DOCTYPE|unexpected error/);
  }
});
