import type { FileArray, NdArray } from '../../domain/arrays.ts';
import { FileRows } from './file-rows.ts';

/** The plain data behind a SampleStore: what crosses into the prefetch worker (class methods do not). */
export interface SampleSource<X extends NdArray | FileArray = NdArray | FileArray> {
  /** Features in memory, or in a local file read a row at a time (large sets). */
  x: X;
  y: NdArray;
  /** Rows of x/y this store exposes, in order; absent = every row. */
  indices?: Int32Array;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

type Data = NdArray['data'];

/** Shared-memory copies by original array, so every store over the same data (splits, subsets) shares one. */
const sharedCopies = new WeakMap<Data, Data>();

/** The array's data in shared memory, so workers read it without a copy per worker. */
function toShared(data: Data): Data {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  let shared = sharedCopies.get(data);
  if (!shared) {
    const Ctor = data.constructor as new (buffer: SharedArrayBuffer) => Data;
    shared = new Ctor(new SharedArrayBuffer(data.byteLength));
    shared.set(data);
    sharedCopies.set(data, shared);
  }
  return shared;
}

/**
 * Samples of one split (or a subset of its rows, for train/validation/test splits), read one at a
 * time into caller-owned Float32Arrays so building a batch allocates nothing per sample.
 */
export class SampleStore<X extends NdArray | FileArray = NdArray | FileArray> {
  readonly size: number;
  /** Shape of one sample's features (x.shape without the leading sample axis). */
  readonly featureShape: number[];
  readonly featureSize: number;
  /** Shape of one sample's stored label (y.shape without the leading sample axis). */
  readonly labelShape: number[];
  readonly labelSize: number;
  readonly x: X;
  readonly y: NdArray;
  readonly indices?: Int32Array;
  /** Reader of file-backed features; shared with subsets, which read the same file. */
  private readonly fileRows?: FileRows;

  constructor(source: SampleSource<X>, fileRows?: FileRows) {
    const { x, y, indices } = source;
    const rows = x.shape[0] ?? 0;
    if (y.shape[0] !== rows) throw new Error(`x has ${rows} samples but y has ${y.shape[0]}`);
    if (indices?.some((r) => r < 0 || r >= rows)) throw new Error(`sample indices must lie in [0, ${rows})`);
    this.x = x;
    this.y = y;
    this.indices = indices;
    this.size = indices ? indices.length : rows;
    this.featureShape = x.shape.slice(1);
    this.featureSize = product(this.featureShape);
    this.labelShape = y.shape.slice(1);
    this.labelSize = product(this.labelShape);
    if ('path' in x) this.fileRows = fileRows ?? new FileRows(x as FileArray);
  }

  /** Row of x/y holding the store's i-th sample. */
  row(i: number): number {
    return this.indices ? this.indices[i]! : i;
  }

  /** Writes sample i's features, converted to float32, into out[offset .. offset + featureSize). */
  copyFeatures(i: number, out: Float32Array, offset: number): void {
    if (this.fileRows) {
      out.set(this.fileRows.row(this.row(i)), offset);
      return;
    }
    const start = this.row(i) * this.featureSize;
    // TypedArray.set converts element types natively: no intermediate array, no JS loop.
    out.set((this.x as NdArray).data.subarray(start, start + this.featureSize), offset);
  }

  /** Writes sample i's label values, as stored, into out[offset .. offset + labelSize). */
  copyLabels(i: number, out: Float32Array, offset: number): void {
    const start = this.row(i) * this.labelSize;
    out.set(this.y.data.subarray(start, start + this.labelSize), offset);
  }

  /** Sample i's first label value: its class index when labels are class indices. */
  label(i: number): number {
    return this.y.data[this.row(i) * this.labelSize]!;
  }

  /** A store over some of this store's samples (positions are this store's indices, not raw rows). */
  subset(positions: Int32Array): SampleStore<X> {
    if (positions.some((p) => p < 0 || p >= this.size))
      throw new Error(`subset positions must lie in [0, ${this.size})`);
    return new SampleStore({ x: this.x, y: this.y, indices: positions.map((p) => this.row(p)) }, this.fileRows);
  }

  /** Closes a file-backed store's file (its subsets share it); in-memory stores hold nothing to close. */
  close(): void {
    this.fileRows?.close();
  }

  /**
   * The store's data in shared memory, copied once per dataset array (not per store, epoch or worker),
   * so every prefetch worker reads the same bytes. The row indices are small and simply posted; a
   * file-backed store posts its file's path, and the worker reads the file itself.
   */
  sharedSource(): SampleSource<X> {
    const x = ('path' in this.x ? this.x : { ...this.x, data: toShared(this.x.data) }) as X;
    return { x, y: { ...this.y, data: toShared(this.y.data) }, indices: this.indices };
  }
}
