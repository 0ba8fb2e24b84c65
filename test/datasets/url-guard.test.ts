import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { lookup as dnsLookup } from 'node:dns';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertFetchableUrl, isPrivateAddress, openGuardedUrl, isUrlRefused } from '../../src/datasets/url-guard.ts';
import { ingestDataset } from '../../src/datasets/ingest.ts';
import { FsArtifactStore } from '../../src/artifacts/fs-artifact-store.ts';

describe('isPrivateAddress', () => {
  it('refuses every spelling of loopback, private, link-local, reserved and IPv4-embedding IPv6 addresses', () => {
    const refused = [
      // IPv4 ranges
      '0.0.0.0',
      '0.1.2.3',
      '10.1.2.3',
      '100.64.0.1',
      '100.127.255.255',
      '127.0.0.1',
      '127.255.0.9',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.1.2.3',
      '240.0.0.1',
      '255.255.255.255',
      // IPv4-mapped, as written and as the WHATWG URL parser rewrites it (hex), in full and bracketed
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:7F00:1',
      '[::ffff:7f00:1]',
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '::ffff:a00:1',
      '::ffff:ac10:1',
      '::ffff:c0a8:101',
      '::ffff:0:1',
      // IPv4-translated and IPv4-compatible (deprecated), including :: and ::1
      '::ffff:0:7f00:1',
      '::127.0.0.1',
      '::7f00:1',
      '::a9fe:a9fe',
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
      // NAT64 well-known prefix carrying a private IPv4, local-use NAT64, 6to4 of a private IPv4
      '64:ff9b::7f00:1',
      '64:ff9b::127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      '64:ff9b:1::808:808',
      '2002:7f00:1::1',
      '2002:c0a8:101::',
      // IPv6 ranges
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'febf::1',
      'fec0::1',
      'ff02::1',
      'ff0e::1',
      '100::1',
      '2001:db8::1',
      '2001::1',
      '3fff::1',
      '5f00::1',
      // not an address at all
      'localhost',
      '',
      '1.2.3',
    ];
    for (const address of refused) assert.equal(isPrivateAddress(address), true, address);
  });

  it('allows public addresses, in any spelling, embedded ones included', () => {
    const allowed = [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '169.253.1.1',
      '192.169.0.1',
      '::ffff:808:808',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '64:ff9b::1.1.1.1',
      '2002:808:808::1',
      '2606:4700:4700::1111',
      '2001:4860:4860::8888',
      '2a00:1450:4001:82b::200e',
    ];
    for (const address of allowed) assert.equal(isPrivateAddress(address), false, address);
  });
});

describe('assertFetchableUrl', () => {
  it('refuses the hex forms the URL parser turns IPv4-mapped and NAT64 addresses into', async () => {
    for (const url of [
      'http://[::ffff:127.0.0.1]:8282/x.csv',
      'http://[::ffff:7f00:1]/x.csv',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[::127.0.0.1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://[64:ff9b::a00:1]/',
      'http://[::]/',
      'http://[fd00::1]/',
      'http://0x7f.1/', // the URL parser reads this as 127.0.0.1
      'http://2130706433/',
    ]) {
      await assert.rejects(assertFetchableUrl(url, false), isUrlRefused, url);
    }
    assert.equal((await assertFetchableUrl('http://[::ffff:7f00:1]/x.csv', true)).hostname, '[::ffff:7f00:1]');
  });
});

/** A local HTTP server that answers from `handle` and records the paths it was asked for. */
async function serve(
  host: string,
  handle: (path: string, base: string) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url!);
    const { status, headers = {}, body = '' } = handle(req.url!, base);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    base,
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('openGuardedUrl: redirects and the addresses actually connected to', () => {
  const CSV = 'a,b,label\n1,2,0\n3,4,1\n';
  // 127.0.0.1 stands in for a public host (the only address this policy lets through); 127.0.0.2, loopback
  // like it, is "the private service" a redirect or a DNS answer must not reach.
  const publicOnly127001 = (address: string) => address !== '127.0.0.1' && isPrivateAddress(address);
  let origin: Awaited<ReturnType<typeof serve>>;
  let inside: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    inside = await serve('127.0.0.2', () => ({ status: 200, headers: { 'content-type': 'text/csv' }, body: CSV }));
    origin = await serve('127.0.0.1', (path, base) => {
      if (path === '/data.csv') return { status: 200, body: CSV };
      if (path === '/to-inside') return { status: 302, headers: { location: `${inside.base}/secret.csv` } };
      if (path === '/to-inside-mapped')
        return { status: 301, headers: { location: `http://[::ffff:127.0.0.2]:${inside.port}/secret.csv` } };
      if (path === '/to-inside-by-name')
        return { status: 307, headers: { location: `http://inside.example:${inside.port}/secret.csv` } };
      if (path === '/to-data') return { status: 308, headers: { location: '/data.csv' } };
      if (path === '/loop') return { status: 302, headers: { location: `${base}/loop` } };
      if (path === '/to-file') return { status: 302, headers: { location: 'file:///etc/passwd' } };
      return { status: 404 };
    });
  });
  after(async () => {
    await origin?.close();
    await inside?.close();
  });

  const read = async (response: NodeJS.ReadableStream) => {
    let text = '';
    for await (const chunk of response) text += chunk.toString();
    return text;
  };

  it('follows redirects to allowed addresses', async () => {
    const { url, response } = await openGuardedUrl(`${origin.base}/to-data`, {
      allowPrivate: false,
      isBlocked: publicOnly127001,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(url.pathname, '/data.csv');
    assert.equal(await read(response), CSV);
  });

  it('refuses a redirect to a private address, in dotted, IPv4-mapped hex or host-name form, without connecting to it', async () => {
    const resolve = ((host: string, options: object, callback: (e: Error | null, a: unknown) => void) => {
      assert.equal(host, 'inside.example');
      callback(null, [{ address: '127.0.0.2', family: 4 }]);
    }) as unknown as typeof dnsLookup;
    for (const path of ['/to-inside', '/to-inside-mapped', '/to-inside-by-name']) {
      await assert.rejects(
        openGuardedUrl(`${origin.base}${path}`, { allowPrivate: false, isBlocked: publicOnly127001, resolve }),
        (error: Error) => {
          assert.ok(isUrlRefused(error), `${path}: ${error}`);
          assert.match(
            error.message,
            /redirected to http:\/\/(127\.0\.0\.2|\[::ffff:7f00:2\]|inside\.example)(:\d+)?\/secret\.csv: \S+ (is|resolves to 127\.0\.0\.2,) a loopback or private address/,
          );
          assert.match(error.message, /KILN_ALLOW_PRIVATE_URLS/);
          return true;
        },
      );
    }
    assert.deepEqual(inside.hits, [], 'the private server was never asked');
  });

  it('checks the address the connection uses: a host name that resolves to a private address at connect time is refused (DNS rebinding)', async () => {
    let answers = 0;
    // A rebinding DNS server: its first answer is the "public" address, every later one the private one.
    const rebinding = ((_host: string, _options: object, callback: (e: Error | null, a: unknown) => void) => {
      callback(null, [{ address: answers++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }]);
    }) as unknown as typeof dnsLookup;
    // What a check made before connecting (the api's) would have seen: the public address...
    rebinding('rebind.example', { all: true }, (_error, answer) =>
      assert.deepEqual(answer, [{ address: '127.0.0.1', family: 4 }]),
    );
    // ...but the connection's own lookup gets the private one, and is refused before it connects.
    await assert.rejects(
      openGuardedUrl(`http://rebind.example:${inside.port}/x.csv`, {
        allowPrivate: false,
        isBlocked: publicOnly127001,
        resolve: rebinding,
      }),
      /rebind\.example resolves to 127\.0\.0\.2/,
    );
    assert.deepEqual(inside.hits, []);
    // And the lookup's answer is where it connects: answered 127.0.0.1, it reaches the origin.
    const toOrigin = ((_h: string, _o: object, cb: (e: null, a: unknown) => void) =>
      cb(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof dnsLookup;
    const { response } = await openGuardedUrl(`http://public.example:${origin.port}/data.csv`, {
      allowPrivate: false,
      isBlocked: publicOnly127001,
      resolve: toOrigin,
    });
    assert.equal(await read(response), CSV);
  });

  it('with KILN_ALLOW_PRIVATE_URLS, follows a redirect to a private address', async () => {
    const { response } = await openGuardedUrl(`${origin.base}/to-inside`, { allowPrivate: true });
    assert.equal(await read(response), CSV);
    inside.hits.length = 0;
  });

  it('refuses redirect loops and redirects to other schemes', async () => {
    await assert.rejects(openGuardedUrl(`${origin.base}/loop`, { allowPrivate: true }), /more than 5/);
    await assert.rejects(openGuardedUrl(`${origin.base}/to-file`, { allowPrivate: true }), /only http and https/);
  });

  it('ingestion downloads through the guard: refuses a hex IPv4-mapped loopback URL without fetching, follows redirects when allowed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-url-guard-'));
    try {
      const store = new FsArtifactStore(root);
      let n = 0;
      const payload = (url: string, allowPrivateUrls: boolean) => ({
        datasetId: `d${n++}`,
        name: 'remote',
        source: { kind: 'url' as const, url },
        options: {},
        limits: { maxUncompressedBytes: 1 << 20, maxFiles: 10, maxDownloadBytes: 1 << 20, allowPrivateUrls },
      });
      const before = origin.hits.length;
      await assert.rejects(
        ingestDataset(payload(`http://[::ffff:127.0.0.1]:${origin.port}/data.csv`, false), store),
        isUrlRefused,
      );
      await assert.rejects(
        ingestDataset(payload(`http://[::ffff:7f00:1]:${origin.port}/data.csv`, false), store),
        isUrlRefused,
      );
      assert.equal(origin.hits.length, before, 'nothing was fetched');
      const done = await ingestDataset(payload(`${origin.base}/to-inside`, true), store);
      assert.equal(done.format, 'csv');
      assert.deepEqual((done.meta as { samples: unknown }).samples, { train: 2 });
      assert.deepEqual(await readdir(join(root, 'datasets')), ['d2'], 'the refused downloads left nothing');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
