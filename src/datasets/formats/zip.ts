import { unzipSync } from 'fflate';
import { DatasetFormatError } from './errors.ts';
import { resolveLimits, type SizeLimits } from './limits.ts';

/** One file inside a ZIP, as listed by its central directory (nothing decompressed yet). */
export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  originalSize: number;
}

/** True when bytes start with a ZIP local-file or empty-archive signature. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

function runUnzip(
  zipName: string,
  bytes: Uint8Array,
  filter: (info: ZipEntryInfo) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, {
      filter: (file) => filter({ name: file.name, compressedSize: file.size, originalSize: file.originalSize }),
    });
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError('ZIP_CORRUPT', `${zipName} is not a valid ZIP archive: ${(error as Error).message}`, {
      file: zipName,
    });
  }
}

/** True for names that would escape the extraction folder ("zip-slip"): absolute, drive-letter or `..` paths. */
function isUnsafeEntryName(name: string): boolean {
  const segments = name.split(/[\\/]/);
  return /^([\\/]|[a-zA-Z]:)/.test(name) || segments.includes('..');
}

/**
 * Lists a ZIP's entries from its central directory and enforces safety limits before anything is decompressed:
 * zip-slip names, entry count and total uncompressed size.
 */
export function listZipEntries(zipName: string, bytes: Uint8Array, limits: SizeLimits = {}): ZipEntryInfo[] {
  const { maxFiles, maxUncompressedBytes } = resolveLimits(limits);
  const entries: ZipEntryInfo[] = [];
  let totalBytes = 0;
  runUnzip(zipName, bytes, (info) => {
    if (isUnsafeEntryName(info.name)) {
      throw new DatasetFormatError(
        'ZIP_UNSAFE_PATH',
        `${zipName}: entry "${info.name}" has an absolute path or ".." and could write outside the dataset folder; ` +
          `re-create the archive with relative paths`,
        { file: zipName, entry: info.name },
      );
    }
    entries.push(info);
    totalBytes += info.originalSize;
    if (entries.length > maxFiles) {
      throw new DatasetFormatError('ZIP_TOO_MANY_FILES', `${zipName} has more than the allowed ${maxFiles} entries`, {
        file: zipName,
        maxFiles,
      });
    }
    if (totalBytes > maxUncompressedBytes) {
      throw new DatasetFormatError(
        'ZIP_TOO_LARGE',
        `${zipName} expands to more than the allowed ${maxUncompressedBytes} bytes (reached at entry "${info.name}")`,
        { file: zipName, entry: info.name, maxUncompressedBytes },
      );
    }
    return false;
  });
  return entries;
}

/**
 * Decompresses the given entries a batch at a time (about `batchBytes` uncompressed per batch) so memory stays
 * bounded, yielding them in the order given. Call listZipEntries first: it enforces the limits.
 */
export function* readZipEntries(
  zipName: string,
  bytes: Uint8Array,
  entries: readonly ZipEntryInfo[],
  batchBytes = 32 * 1024 * 1024,
): Generator<{ name: string; data: Uint8Array }> {
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let size = 0;
    while (end < entries.length && (end === start || size + entries[end]!.originalSize <= batchBytes)) {
      size += entries[end]!.originalSize;
      end++;
    }
    const wanted = new Set(entries.slice(start, end).map((e) => e.name));
    const files = runUnzip(zipName, bytes, (info) => wanted.has(info.name));
    for (const entry of entries.slice(start, end)) {
      const data = files[entry.name];
      if (data === undefined) {
        throw new DatasetFormatError('ZIP_CORRUPT', `${zipName}: entry "${entry.name}" could not be read`, {
          file: zipName,
          entry: entry.name,
        });
      }
      yield { name: entry.name, data };
    }
    start = end;
  }
}
