import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ArtifactStore } from './artifact-store.ts';

/**
 * A streaming tar of every artifact under a prefix, entries named relative to it (optionally under
 * `root/`). Files are streamed from the store one after another, never held whole in memory.
 */
export async function packArtifacts(
  store: ArtifactStore,
  prefix: string,
  root = '',
): Promise<{ stream: Readable; count: number }> {
  const keys = await store.list(prefix);
  const pack = tar.pack();
  void (async () => {
    for (const key of keys) {
      const name = `${root ? `${root}/` : ''}${key.slice(prefix.length + 1)}`;
      const entry = pack.entry({ name, size: await store.size(key), mode: 0o644, mtime: new Date() });
      await pipeline(await store.getStream(key), entry);
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return { stream: Readable.from(chunks(pack)), count: keys.length };
}

// Through a generator so an early-closing consumer does not surface streamx's AbortError as uncaught.
async function* chunks(pack: tar.Pack): AsyncGenerator<Buffer> {
  for await (const chunk of pack) yield chunk as Buffer;
}
