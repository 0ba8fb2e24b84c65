import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * The file name a Content-Disposition header proposes (`filename*=UTF-8''…` first, then
 * `filename="…"`), reduced to its last path part: a server's name never writes outside the folder.
 */
export function attachmentName(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header)?.[1];
  let name: string | undefined;
  if (extended) {
    try {
      name = decodeURIComponent(extended.trim());
    } catch {
      name = undefined;
    }
  }
  name ??= /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i
    .exec(header)
    ?.slice(1)
    .find((n) => n !== undefined)
    ?.replace(/\\(.)/g, '$1')
    .trim();
  const base = name ? basename(name.replaceAll('\\', '/')) : '';
  return base && base !== '.' && base !== '..' ? base : undefined;
}

/** Where a downloaded file goes: `-o` as the file, or inside it when it is a folder (or ends in /); else the proposed name here. */
export async function outputFile(output: string | undefined, proposed: string): Promise<string> {
  if (output === undefined) return proposed;
  const isDir = /[/\\]$/.test(output) || (await stat(output).catch(() => undefined))?.isDirectory();
  return isDir ? join(output, proposed) : output;
}

/** Writes a response body to a file (creating its folder), answering the bytes written. */
export async function writeBody(body: ReadableStream<Uint8Array>, path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(path));
  return (await stat(path)).size;
}

/** 1234567 → "1.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
