import { maskedCrc32c } from './crc32c.ts';

/** Bytes of framing around each record: length (8) + length crc (4) + data crc (4). */
const RECORD_OVERHEAD_BYTES = 16;

/** Frames `data` as one TFRecord: uint64 LE length, masked crc of those 8 bytes, data, masked crc of data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + RECORD_OVERHEAD_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
