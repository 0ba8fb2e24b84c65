// Just enough of the protobuf wire format for TensorBoard's Event messages; avoids a protobuf dependency.

/** Protobuf wire types used on the wire (groups 3/4 are obsolete and rejected). */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Append-only protobuf encoder backed by a growable byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  /** Encoded bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Writes a double field (wire type 1). */
  double(field: number, value: number): this {
    this.tag(field, WireType.FIXED64);
    this.reserve(8);
    this.view.setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  /** Writes a float field (wire type 5); the value is rounded to float32. */
  float(field: number, value: number): this {
    this.tag(field, WireType.FIXED32);
    this.reserve(4);
    this.view.setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** Writes an int64 field as a varint; negative values take 10 bytes as in protobuf. */
  int64(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`int64 field ${field} needs a safe integer, got ${value}`);
    this.tag(field, WireType.VARINT);
    this.varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  /** Writes a UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Writes a length-delimited field (bytes or an embedded message). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** Writes a packed repeated double field; empty arrays are omitted as proto3 does. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const payload = new Uint8Array(values.length * 8);
    const view = new DataView(payload.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, payload);
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    this.reserve(10);
    let v = value;
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** One decoded field as it appears on the wire. */
export interface ProtoField {
  field: number;
  wireType: number;
  /** Offset of the value inside the message's bytes. */
  offset: number;
  /** Raw varint value (only for wire type 0). */
  varint: bigint;
  /** Payload (only for wire type 2). */
  bytes: Uint8Array;
}

/** Sequential protobuf decoder over one message's bytes. */
export class ProtoReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Yields every field in wire order, including unknown ones, so callers can skip what they do not know; single pass. */
  *fields(): Generator<ProtoField> {
    while (this.pos < this.buf.length) {
      const key = this.readVarint();
      const field = Number(key >> 3n);
      const wireType = Number(key & 7n);
      const offset = this.pos;
      let varint = 0n;
      let bytes: Uint8Array = EMPTY;
      switch (wireType) {
        case WireType.VARINT:
          varint = this.readVarint();
          break;
        case WireType.FIXED64:
          this.skip(8);
          break;
        case WireType.FIXED32:
          this.skip(4);
          break;
        case WireType.LENGTH_DELIMITED: {
          const length = Number(this.readVarint());
          const start = this.pos;
          this.skip(length);
          bytes = this.buf.subarray(start, start + length);
          break;
        }
        default:
          throw new Error(`unsupported protobuf wire type ${wireType} for field ${field}`);
      }
      yield { field, wireType, offset, varint, bytes };
    }
  }

  /** Value of a `double` field. */
  double(f: ProtoField): number {
    expectWireType(f, WireType.FIXED64);
    return this.view.getFloat64(f.offset, true);
  }

  /** Value of a `float` field. */
  float(f: ProtoField): number {
    expectWireType(f, WireType.FIXED32);
    return this.view.getFloat32(f.offset, true);
  }

  /** Value of an `int64` field as a number (exact for safe integers). */
  int64(f: ProtoField): number {
    expectWireType(f, WireType.VARINT);
    return Number(BigInt.asIntN(64, f.varint));
  }

  /** Payload of a `string` field. */
  string(f: ProtoField): string {
    return textDecoder.decode(this.message(f));
  }

  /** Payload of an embedded message or `bytes` field. */
  message(f: ProtoField): Uint8Array {
    expectWireType(f, WireType.LENGTH_DELIMITED);
    return f.bytes;
  }

  /** Appends the values of a repeated `double` field, accepting packed and unpacked encodings as protobuf requires. */
  doubles(f: ProtoField, into: number[]): void {
    if (f.wireType === WireType.FIXED64) {
      into.push(this.double(f));
      return;
    }
    const payload = this.message(f);
    if (payload.length % 8 !== 0) throw new Error(`packed double field ${f.field} has ${payload.length} bytes`);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < payload.length; i += 8) into.push(view.getFloat64(i, true));
  }

  private readVarint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error('truncated protobuf varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new Error('protobuf varint longer than 10 bytes');
  }

  private skip(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('truncated protobuf field');
    this.pos += n;
  }
}

const EMPTY = new Uint8Array(0);

function expectWireType(f: ProtoField, wireType: number): void {
  if (f.wireType !== wireType) {
    throw new Error(`protobuf field ${f.field} has wire type ${f.wireType}, expected ${wireType}`);
  }
}
