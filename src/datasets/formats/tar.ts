import { DatasetFormatError } from './errors.ts';

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/**
 * The regular files of a (ustar or old-style) tar archive, as views into its bytes. Only what dataset
 * archives hold is understood: plain files and directories; links and other entries are skipped.
 */
export function readTarEntries(tarName: string, bytes: Uint8Array): Array<{ name: string; data: Uint8Array }> {
  const files: Array<{ name: string; data: Uint8Array }> = [];
  let offset = 0;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const stored = header.reduce((sum, b, i) => sum + (i >= 148 && i < 156 ? 32 : b), 0);
    if (!Number.isFinite(size) || size < 0 || parseInt(field(header, 148, 8).trim(), 8) !== stored) {
      throw new DatasetFormatError(
        'TAR_CORRUPT',
        `${tarName} is not a valid tar archive: bad header at byte ${offset}`,
        { file: tarName, offset },
      );
    }
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const type = String.fromCharCode(header[156]!);
    const start = offset + BLOCK;
    if (start + size > bytes.length) {
      throw new DatasetFormatError('TAR_CORRUPT', `${tarName} is truncated: entry "${name}" needs ${size} bytes`, {
        file: tarName,
        entry: name,
      });
    }
    if (type === '0' || type === '\0') files.push({ name, data: bytes.subarray(start, start + size) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
