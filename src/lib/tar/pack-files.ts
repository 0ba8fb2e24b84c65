import { Readable } from 'node:stream';
import tar from 'tar-stream';

/** A tar of files held in memory, under `root/`. */
export function packFiles(files: Array<{ name: string; data: Uint8Array }>, root: string): Readable {
  const pack = tar.pack();
  for (const file of files)
    pack.entry({ name: `${root}/${file.name}`, size: file.data.byteLength, mode: 0o644 }, Buffer.from(file.data));
  pack.finalize();
  return Readable.from(chunks(pack));
}

// Through a generator so an early-closing consumer does not surface streamx's AbortError as uncaught.
async function* chunks(pack: tar.Pack): AsyncGenerator<Buffer> {
  for await (const chunk of pack) yield chunk as Buffer;
}
