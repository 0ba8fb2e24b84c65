import { Inflate } from 'fflate';
import { crc32 } from './crc32.ts';
import { KerasFileError } from './keras-file-error.ts';
import { showBytes, type KerasFileLimits } from './limits.ts';

// A .keras file is a plain zip. fflate inflates, but its unzipSync trusts the sizes the archive declares
// and inflates a member in one go, so the directory is read here: counts and declared sizes are checked
// against the limits before any byte is inflated, and inflating stops as soon as a member outgrows its
// declared size.

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  dataOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const CHUNK = 16 * 1024;
const utf8 = new TextDecoder();

/** True when the bytes start like a zip archive (a local file header or an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

function findEndRecord(view: DataView): number {
  const last = view.byteLength - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  return -1;
}

/** Lists the members of a zip from its central directory, enforcing the member-count and total-size caps. */
export function listZip(bytes: Uint8Array, limits: KerasFileLimits, label: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view);
  if (end < 0)
    throw new KerasFileError(
      'truncated',
      `${label}: the zip has no end-of-central-directory record; the file is truncated or not a zip`,
    );
  const count = view.getUint16(end + 10, true);
  const dirOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff)
    throw new KerasFileError('corrupt', `${label}: ZIP64 archives are not supported`);
  if (count > limits.maxZipMembers) {
    throw new KerasFileError(
      'zip_bomb',
      `${label}: the zip has ${count} members, more than the limit of ${limits.maxZipMembers}`,
    );
  }
  const entries: ZipEntry[] = [];
  let at = dirOffset;
  let declared = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL) {
      throw new KerasFileError(
        'truncated',
        `${label}: central directory entry ${i} is missing or damaged; the file is truncated or corrupt`,
      );
    }
    const nameLength = view.getUint16(at + 28, true);
    const name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry = {
      name,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      dataOffset: localDataOffset(view, view.getUint32(at + 42, true), name, label),
    };
    declared += entry.size;
    if (declared > limits.maxUncompressedBytes) {
      throw new KerasFileError(
        'zip_bomb',
        `${label}: the zip members declare more than ${showBytes(limits.maxUncompressedBytes)} uncompressed (at "${name}")`,
        name,
      );
    }
    if (entry.dataOffset + entry.compressedSize > bytes.length) {
      throw new KerasFileError(
        'truncated',
        `${label}: member "${name}" extends past the end of the file; the file is truncated`,
        name,
      );
    }
    if (entries.some((e) => e.name === name))
      throw new KerasFileError('corrupt', `${label}: member "${name}" appears twice`, name);
    entries.push(entry);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

function localDataOffset(view: DataView, offset: number, name: string, label: string): number {
  if (offset + 30 > view.byteLength || view.getUint32(offset, true) !== LOCAL) {
    throw new KerasFileError(
      'truncated',
      `${label}: the local header of member "${name}" is missing; the file is truncated or corrupt`,
      name,
    );
  }
  return offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
}

/** Inflates (or copies) one member, never producing more than its declared size, and checks its CRC-32. */
export function extractZipEntry(bytes: Uint8Array, entry: ZipEntry, label: string): Uint8Array {
  const where = `${label}: member "${entry.name}"`;
  if (entry.flags & 1) throw new KerasFileError('corrupt', `${where} is encrypted`, entry.name);
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      throw new KerasFileError(
        'corrupt',
        `${where}: stored size ${entry.compressedSize} differs from declared size ${entry.size}`,
        entry.name,
      );
    out = raw.slice();
  } else if (entry.method === 8) {
    out = inflateCapped(raw, entry, where);
  } else {
    throw new KerasFileError(
      'corrupt',
      `${where} uses compression method ${entry.method}; only stored and deflate are supported`,
      entry.name,
    );
  }
  if (crc32(out) !== entry.crc)
    throw new KerasFileError('corrupt', `${where} fails its CRC-32 check; the file is corrupt`, entry.name);
  return out;
}

function inflateCapped(raw: Uint8Array, entry: ZipEntry, where: string): Uint8Array {
  const out = new Uint8Array(entry.size);
  let written = 0;
  const inflater = new Inflate((chunk) => {
    if (written + chunk.length > entry.size) {
      throw new KerasFileError(
        'zip_bomb',
        `${where} inflates past its declared size of ${showBytes(entry.size)}; inflating stopped`,
        entry.name,
      );
    }
    out.set(chunk, written);
    written += chunk.length;
  });
  try {
    if (raw.length === 0) inflater.push(raw, true);
    for (let at = 0; at < raw.length; at += CHUNK)
      inflater.push(raw.subarray(at, at + CHUNK), at + CHUNK >= raw.length);
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    throw new KerasFileError('corrupt', `${where} does not inflate: ${(e as Error).message}`, entry.name);
  }
  if (written !== entry.size)
    throw new KerasFileError(
      'corrupt',
      `${where} inflates to ${written} bytes, not the declared ${entry.size}`,
      entry.name,
    );
  return out;
}
