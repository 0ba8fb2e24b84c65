import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 1024 * 1024;

/** A stream of `totalBytes` random bytes made one 1 MiB chunk at a time (never held whole), and a
 *  `sha256()` of what it yielded, to compare against once the stream has been consumed. */
export function generatedStream(totalBytes: number): { stream: Readable; sha256(): string } {
  const hash = createHash('sha256');
  let digest: string | undefined;
  const stream = Readable.from(
    (function* () {
      for (const chunk of randomChunks(totalBytes)) {
        hash.update(chunk);
        yield chunk;
      }
      digest = hash.digest('hex');
    })(),
  );
  return {
    stream,
    sha256() {
      if (!digest) throw new Error('generatedStream: sha256() before the stream was fully read');
      return digest;
    },
  };
}

/** A stream that yields `bytesBeforeFailure` bytes and then errors with `error`, like a dropped upload. */
export function failingStream(bytesBeforeFailure: number, error: Error): Readable {
  return Readable.from(
    (function* () {
      yield* randomChunks(bytesBeforeFailure);
      throw error;
    })(),
  );
}

/** The sha256 (hex) of everything a stream yields. */
export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function* randomChunks(totalBytes: number): Generator<Buffer> {
  for (let offset = 0; offset < totalBytes; offset += CHUNK) yield randomBytes(Math.min(CHUNK, totalBytes - offset));
}
