import { createWriteStream } from 'node:fs';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/**
 * Extracts a tar stream's files into `dir` (answering their names relative to it), dropping the first `strip` parts of each name. Entries
 * that would land outside `dir` (`../`, absolute names) are refused rather than written.
 */
export async function extractTar(source: ReadableStream<Uint8Array>, dir: string, strip = 0): Promise<string[]> {
  const root = resolve(dir);
  const written: string[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name.split('/').filter(Boolean).slice(strip).join('/');
      if (entry.header.type !== 'file' || !name) {
        entry.resume();
        continue;
      }
      const target = resolve(root, name);
      if (relative(root, target).startsWith('..') || target === root)
        throw new Error(`refusing to write ${entry.header.name} outside ${dir}`);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target));
      written.push(name);
    }
  })();
  await Promise.all([pipeline(Readable.fromWeb(source as WebReadableStream<Uint8Array>), extract), done]);
  return written;
}
