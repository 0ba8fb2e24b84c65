import { maskedCrc32c } from './crc32c.ts';

/** Thrown when a TFRecord stream is truncated or a CRC does not match. */
export class RecordCorruptionError extends Error {
  override name = 'RecordCorruptionError';
}

/** Splits a TFRecord byte stream into record payloads, verifying both CRCs of every record. */
export function* readRecords(bytes: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) {
      throw new RecordCorruptionError(`truncated record header at byte ${offset}`);
    }
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw new RecordCorruptionError(`length CRC mismatch in record at byte ${offset}`);
    }
    const length = view.getBigUint64(offset, true);
    const dataStart = offset + 12;
    if (length > BigInt(bytes.length - dataStart - 4)) {
      throw new RecordCorruptionError(`truncated record data at byte ${offset}`);
    }
    const dataEnd = dataStart + Number(length);
    const data = bytes.subarray(dataStart, dataEnd);
    if (view.getUint32(dataEnd, true) !== maskedCrc32c(data)) {
      throw new RecordCorruptionError(`data CRC mismatch in record at byte ${offset}`);
    }
    yield data;
    offset = dataEnd + 4;
  }
}
