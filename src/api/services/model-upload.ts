import { finished } from 'node:stream/promises';
import type { Multipart } from '@fastify/multipart';
import { isZip, listZipEntries, readZipEntries } from '../../datasets/formats/zip.ts';
import { readTarEntries } from '../../datasets/formats/tar.ts';
import { KilnError } from '../../domain/errors.ts';
import type { ModelFile } from '../../engine/model-files/index.ts';
import { NUL_MESSAGE } from '../schemas/common.ts';

/** The parts of POST /models: the files, and the fields as sent (text). */
export interface ModelUpload {
  files: ModelFile[];
  fields: Record<string, string>;
}

/** Most entries a model archive (a TensorFlow.js model as .tar or .zip) may hold. */
const MAX_ARCHIVE_ENTRIES = 1000;

/**
 * Reads a multipart model upload into memory (each file capped at KILN_MAX_UPLOAD_MB by the multipart
 * plugin), unpacking a TensorFlow.js model sent as one .tar or .zip into its files.
 */
export async function readModelUpload(parts: AsyncIterable<Multipart>, maxUploadMb: number): Promise<ModelUpload> {
  const files: ModelFile[] = [];
  const fields: Record<string, string> = {};
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        const data = new Uint8Array(await part.toBuffer());
        if (part.file.truncated) throw tooLarge(part.filename, maxUploadMb);
        files.push(...unpack({ name: part.filename, data }, maxUploadMb));
      } else {
        const value = String(part.value);
        if (value.includes('\u0000')) throw KilnError.field(part.fieldname, NUL_MESSAGE);
        fields[part.fieldname] = value;
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge('a file', maxUploadMb);
    throw error;
  }
  return { files, fields };
}

const tooLarge = (what: string, mb: number) =>
  new KilnError('payload_too_large', `${what} is larger than KILN_MAX_UPLOAD_MB (${mb} MB)`, { status: 413 });

/** A .tar or a .zip (not a .keras, itself a zip) holding a TensorFlow.js model becomes its files. */
function unpack(file: ModelFile, maxUploadMb: number): ModelFile[] {
  const limits = { maxUncompressedBytes: maxUploadMb * 1024 * 1024, maxFiles: MAX_ARCHIVE_ENTRIES };
  if (/\.tar$/i.test(file.name))
    return readTarEntries(file.name, file.data).map((e) => ({ name: e.name, data: e.data }));
  if (/\.zip$/i.test(file.name) && isZip(file.data)) {
    const entries = listZipEntries(file.name, file.data, limits).filter((e) => !e.name.endsWith('/'));
    return [...readZipEntries(file.name, file.data, entries)];
  }
  return [file];
}

/** Drains a request's remaining parts (so a refused upload is answered, not reset). */
export async function drain(parts: AsyncIterable<Multipart>): Promise<void> {
  for await (const part of parts) if (part.type === 'file') await finished(part.file.resume());
}
