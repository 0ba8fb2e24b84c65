// Streams a directory tree as a tar archive (ustar, with PAX headers for long names) without buffering files,
// e.g. to download a job's TensorBoard logs or artifacts over HTTP.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

type EntryHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;
type EntrySink = ReturnType<tar.Pack['entry']>;

/** A streaming tar of everything under `dir`, with entry names relative to `dir`; errors surface on the stream. */
export function packDirectory(dir: string): Readable {
  const pack = tar.pack();
  addTree(pack, dir, '').then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  // tar-stream packs are streamx streams; wrapping gives callers a genuine node Readable (pipeline, Fastify replies).
  return Readable.from(chunksOf(pack), { objectMode: false });
}

/**
 * Iterating through a generator rather than handing the pack to Readable.from directly matters when the consumer
 * quits early: streamx would re-emit Node's AbortError after the consumer stopped listening (an uncaught exception).
 */
async function* chunksOf(pack: tar.Pack): AsyncGenerator<Buffer> {
  for await (const chunk of pack) yield chunk as Buffer;
}

async function addTree(pack: tar.Pack, root: string, relDir: string): Promise<void> {
  // Sorted so the same tree always yields the same archive.
  const names = (await readdir(join(root, relDir))).sort();
  for (const name of names) {
    if (pack.destroyed) return;
    const rel = relDir ? posix.join(relDir, name) : name;
    const abs = join(root, rel);
    const stat = await lstat(abs);
    const common = { name: rel, mode: stat.mode & 0o7777, mtime: stat.mtime };
    if (stat.isDirectory()) {
      await addEntry(pack, { ...common, type: 'directory' });
      await addTree(pack, root, rel);
    } else if (stat.isSymbolicLink()) {
      await addEntry(pack, { ...common, type: 'symlink', linkname: await readlink(abs) });
    } else if (stat.isFile()) {
      await addFile(pack, { ...common, type: 'file' as const, size: stat.size }, abs);
    }
    // Sockets, FIFOs and devices have no meaningful content to archive.
  }
}

function addEntry(pack: tar.Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

async function addFile(pack: tar.Pack, header: EntryHeader & { size: number }, path: string): Promise<void> {
  let sink!: EntrySink;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  // Awaited below; this only keeps a failure during the copy from also being reported as unhandled.
  done.catch(() => {});
  if (header.size > 0) {
    // Reading exactly the lstat size keeps a file that grows meanwhile from overflowing its tar entry;
    // one that shrinks fails the entry with tar-stream's "Size mismatch".
    for await (const chunk of createReadStream(path, { start: 0, end: header.size - 1 })) {
      // The entry callback also fires (with an error) when the pack is destroyed, e.g. by a client disconnect,
      // so racing it against 'drain' stops the copy instead of waiting forever.
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), done]);
    }
  }
  sink.end(null);
  await done;
}
