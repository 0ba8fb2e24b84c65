import { maskedCrc32c } from './crc32c.ts';
import { KilnError } from '../../domain/errors.ts';

/** Thrown when a TFRecord stream is truncated or a CRC does not match. */
/** A TFRecord file that is truncated or fails its CRC: not a file TensorBoard (or Kiln) can trust. */
const recordCorruption = (message: string) => new KilnError('record_corrupt', message);

/** Splits a TFRecord byte stream into record payloads, verifying both CRCs of every record. */
export function* readRecords(bytes: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) {
      throw recordCorruption(`truncated record header at byte ${offset}`);
    }
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw recordCorruption(`length CRC mismatch in record at byte ${offset}`);
    }
    const length = view.getBigUint64(offset, true);
    const dataStart = offset + 12;
    if (length > BigInt(bytes.length - dataStart - 4)) {
      throw recordCorruption(`truncated record data at byte ${offset}`);
    }
    const dataEnd = dataStart + Number(length);
    const data = bytes.subarray(dataStart, dataEnd);
    if (view.getUint32(dataEnd, true) !== maskedCrc32c(data)) {
      throw recordCorruption(`data CRC mismatch in record at byte ${offset}`);
    }
    yield data;
    offset = dataEnd + 4;
  }
}
