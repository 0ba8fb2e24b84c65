import type { FileArray, NdArray } from '../../domain/arrays.ts';
import { FileRows } from './file-rows.ts';

/**
 * Rows of one array, in memory or in a local file (read by position through a small cache), copied
 * into caller-owned Float32Arrays: a named array of a dataset, as a batch reads it.
 */
export class ArrayRows {
  /** Values of one row (one sample). */
  readonly rowSize: number;
  readonly rowShape: number[];
  readonly rows: number;
  private readonly file?: FileRows;

  constructor(readonly array: NdArray | FileArray) {
    this.rows = array.shape[0] ?? 0;
    this.rowShape = array.shape.slice(1);
    this.rowSize = this.rowShape.reduce((a, b) => a * b, 1);
    if ('path' in array) this.file = new FileRows(array);
  }

  /** Writes row `row`, converted to float32, into out[offset .. offset + rowSize). */
  copyRow(row: number, out: Float32Array, offset: number): void {
    if (this.file) {
      out.set(this.file.row(row), offset);
      return;
    }
    const start = row * this.rowSize;
    out.set((this.array as NdArray).data.subarray(start, start + this.rowSize), offset);
  }

  /** Row `row`'s first value (a class index, for labels of one value per sample). */
  first(row: number): number {
    return this.file ? this.file.row(row)[0]! : (this.array as NdArray).data[row * this.rowSize]!;
  }

  close(): void {
    this.file?.close();
  }
}
