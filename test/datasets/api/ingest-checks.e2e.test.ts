import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startStack, type Stack } from '../../helpers/stack.ts';
import { request } from '../../helpers/http.ts';
import { uploadDataset, waitForDataset } from '../../helpers/datasets.ts';
import { npy } from '../fixtures/npy-writer.ts';

const enc = (text: string) => new TextEncoder().encode(text);

describe('dataset checks through the real api and worker: private URLs, duplicate files, data that cannot train', () => {
  let stack: Stack;
  let local: Server;
  const hits: string[] = [];
  let port = 0;

  before(async () => {
    // KILN_ALLOW_PRIVATE_URLS is off (the default): this local server stands for a service on the api's machine.
    local = createServer((req, res) => {
      hits.push(req.url!);
      res.end('a,b,label\n1,2,0\n');
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    port = (local.address() as AddressInfo).port;
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
    await new Promise((resolve) => local?.close(resolve));
  });

  const datasetCount = async () => (await request(stack.api.url, 'GET', '/datasets')).body.datasets.length;
  const uploadsLeft = () => {
    const uploads = join(stack.env.dataDir, 'artifacts', 'uploads');
    return existsSync(uploads) ? readdirSync(uploads) : [];
  };

  test('IPv4-mapped (hex, as the URL parser writes it), IPv4-compatible and NAT64 spellings of private addresses are refused with 400', async () => {
    for (const url of [
      `http://[::ffff:127.0.0.1]:${port}/x.csv`,
      `http://[::ffff:7f00:1]:${port}/x.csv`,
      'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      `http://[::127.0.0.1]:${port}/x.csv`,
      'http://[64:ff9b::7f00:1]/x.csv',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[::]/x.csv',
      'http://[fe80::1]/x.csv',
      'http://100.64.0.1/x.csv',
    ]) {
      const res = await request(stack.api.url, 'POST', '/datasets', { name: 'ssrf', url });
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.details[0].path, 'url', url);
      assert.match(res.body.error.details[0].message, /loopback or private/, url);
    }
    assert.deepEqual(hits, [], 'the local service was never fetched');
    assert.equal(await datasetCount(), 0);
  });

  test('two files with one name (or names equal once sanitised) answer 400 on files and store nothing', async () => {
    const x = npy('<f4', [2, 2], [1, 2, 3, 4]);
    const y = npy('<i4', [2], [0, 1]);
    const same = await uploadDataset(
      stack.api.url,
      [
        { name: 'v/x_train.npy', data: x },
        { name: 'w/x_train.npy', data: npy('<f4', [2, 2], [5, 6, 7, 8]) },
        { name: 'w/y_train.npy', data: y },
      ],
      { name: 'dup' },
    );
    assert.equal(same.status, 400);
    assert.equal(same.body.error.details[0].path, 'files');
    assert.match(same.body.error.details[0].message, /x_train\.npy/);
    const sanitised = await uploadDataset(
      stack.api.url,
      [
        { name: 'x train.npy', data: x },
        { name: 'x_train.npy', data: x },
        { name: 'y_train.npy', data: y },
      ],
      { name: 'dup2' },
    );
    assert.equal(sanitised.status, 400);
    assert.equal(sanitised.body.error.details[0].path, 'files');
    assert.match(
      sanitised.body.error.details[0].message,
      /"x train\.npy" and "x_train\.npy" would both be stored as x_train\.npy/,
    );
    // A form field holding a NUL (PostgreSQL cannot store one) is refused naming the field, not a 500.
    const nul = await uploadDataset(
      stack.api.url,
      [
        { name: 'x_train.npy', data: x },
        { name: 'y_train.npy', data: y },
      ],
      { name: 'a\u0000b' },
    );
    assert.equal(nul.status, 400, JSON.stringify(nul.body));
    assert.equal(nul.body.error.details[0].path, 'name');
    assert.equal(await datasetCount(), 0);
    assert.deepEqual(uploadsLeft(), []);
    // Distinct names still upload.
    const fine = await uploadDataset(
      stack.api.url,
      [
        { name: 'x_train.npy', data: x },
        { name: 'y_train.npy', data: y },
      ],
      { name: 'fine' },
    );
    assert.equal(fine.status, 201);
    assert.equal((await waitForDataset(stack.api.url, fine.body.id)).status, 'ready');
  });

  test('mismatched split shapes, NaN, float32 overflow and a CSV without a header fail ingestion with the reason, leaving nothing', async () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const cases: Array<[string, Array<{ name: string; data: Uint8Array }>, RegExp]> = [
      [
        'train [10, 4] vs test [3, 5]',
        [
          { name: 'x_train.npy', data: npy('<f4', [10, 4], range(40)) },
          { name: 'y_train.npy', data: npy('<i4', [10], range(10)) },
          { name: 'x_test.npy', data: npy('<f4', [3, 5], range(15)) },
          { name: 'y_test.npy', data: npy('<i4', [3], range(3)) },
        ],
        /x_train\.npy has shape \[10, 4\] but x_test\.npy has shape \[3, 5\]/,
      ],
      [
        'NaN in an .npy',
        [
          { name: 'x.npy', data: npy('<f4', [2, 2], [1, 2, Number.NaN, 4]) },
          { name: 'y.npy', data: npy('<i4', [2], [0, 1]) },
        ],
        /x\.npy: value NaN at index \[1, 0\] \(flat index 2\)/,
      ],
      [
        '1e39 in a CSV',
        [{ name: 'big.csv', data: enc('a,b,label\n1,2,0\n3,1e39,1\n') }],
        /big\.csv: row 3, column "b": 1e39/,
      ],
      [
        'a CSV without a header',
        [{ name: 'headless.csv', data: enc('1,2,0\n3,4,1\n') }],
        /headless\.csv: .*header row .*required/,
      ],
    ];
    for (const [what, files, reason] of cases) {
      const created = await uploadDataset(stack.api.url, files, { name: what });
      assert.equal(created.status, 201, what);
      const dataset = await waitForDataset(stack.api.url, created.body.id);
      assert.equal(dataset.status, 'failed', what);
      assert.match(dataset.error, reason, `${what}: ${dataset.error}`);
      for (const dir of ['datasets', 'uploads'])
        assert.ok(!existsSync(join(stack.env.dataDir, 'artifacts', dir, created.body.id)), `${what}: ${dir} is gone`);
    }
  });
});
