import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { packDirectory } from '../../../src/lib/tar/pack-directory.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-tar-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Every path under `dir` (relative, sorted) with file contents, link targets or a directory marker. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      const rel = relative(dir, path);
      if (entry.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(path)}`);
      else if (entry.isDirectory()) {
        out.set(rel, '<dir>');
        walk(path);
      } else out.set(rel, readFileSync(path).toString('base64'));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

async function packAndExtract(source: string, name: string): Promise<string> {
  const archive = join(root, `${name}.tar`);
  await pipeline(packDirectory(source), createWriteStream(archive));
  const target = join(root, `${name}-out`);
  mkdirSync(target);
  const untar = spawnSync('tar', ['-xf', archive, '-C', target], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  return target;
}

test('system tar extracts the packed tree with identical contents, modes and symlinks', async () => {
  const source = join(root, 'logs');
  const longDir = 'a-directory-name-long-enough-that-the-full-path-needs-a-pax-header-'.repeat(2);
  mkdirSync(join(source, 'train', 'plugins', 'profile'), { recursive: true });
  mkdirSync(join(source, 'validation'));
  mkdirSync(join(source, 'empty-dir'));
  mkdirSync(join(source, longDir));
  writeFileSync(join(source, 'train', 'events.out.tfevents.1700000000.host'), randomBytes(300_000));
  writeFileSync(join(source, 'train', 'plugins', 'profile', 'trace.json'), '{"traceEvents":[]}');
  writeFileSync(join(source, 'validation', 'events.out.tfevents.1700000001.host'), randomBytes(513));
  writeFileSync(join(source, 'empty.txt'), '');
  writeFileSync(join(source, longDir, 'nested file with spaces ünïcode.txt'), 'deep');
  writeFileSync(join(source, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(source, 'run.sh'), 0o755);
  symlinkSync('train/plugins', join(source, 'latest'));

  const out = await packAndExtract(source, 'logs');
  assert.deepEqual(snapshot(out), snapshot(source));
  assert.equal(statSync(join(out, 'run.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'empty.txt')).mode & 0o777, statSync(join(source, 'empty.txt')).mode & 0o777);
});

test('entries are relative to the directory, directories come before their contents', async () => {
  const source = join(root, 'listing');
  mkdirSync(join(source, 'b', 'c'), { recursive: true });
  writeFileSync(join(source, 'b', 'c', 'd.txt'), 'x');
  writeFileSync(join(source, 'a.txt'), 'y');
  const archive = join(root, 'listing.tar');
  await pipeline(packDirectory(source), createWriteStream(archive));
  const list = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((n) => n.replace(/\/$/, '')),
    ['a.txt', 'b', 'b/c', 'b/c/d.txt'],
  );
});

test('a missing directory fails the stream instead of producing an empty archive', async () => {
  await assert.rejects(
    pipeline(packDirectory(join(root, 'does-not-exist')), createWriteStream(join(root, 'missing.tar'))),
    /ENOENT/,
  );
});

test('a consumer that stops early (client disconnect) closes the stream without leaking an error', async () => {
  const source = join(root, 'abandoned');
  mkdirSync(join(source, 'sub'), { recursive: true });
  writeFileSync(join(source, 'sub', 'big.bin'), randomBytes(2_000_000));
  writeFileSync(join(source, 'z.bin'), randomBytes(1000));
  const stream = packDirectory(source);
  const failures: unknown[] = [];
  const onUnhandled = (err: unknown) => failures.push(err);
  process.on('unhandledRejection', onUnhandled);
  try {
    let received = 0;
    for await (const chunk of stream) {
      received += (chunk as Buffer).length;
      if (received > 100_000) break; // for-await's break destroys the stream, like a dropped HTTP response
    }
    assert.ok(stream.destroyed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(failures, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
