import { closeSync, openSync, readSync } from 'node:fs';
import type { FileArray } from '../../domain/arrays.ts';

const ELEMENT_BYTES = { uint8: 1, int32: 4, float32: 4 } as const;
const ARRAY_TYPES = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array } as const;

/** Bytes read per cache block: small enough that a random row costs little more than itself. */
const BLOCK_BYTES = 64 * 1024;
/** Default bytes of blocks kept (least recently used go first). */
const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;

type Rows = Uint8Array | Int32Array | Float32Array;

/**
 * Rows of a file-backed array, read by position (pread) into a small LRU cache of blocks of whole rows:
 * memory stays at the cache size however large the file. Reads are synchronous, as batch building is
 * (it runs in the prefetch worker thread when it matters).
 */
export class FileRows {
  readonly rowSize: number;
  private readonly rowBytes: number;
  private readonly rowsPerBlock: number;
  private readonly maxBlocks: number;
  private readonly blocks = new Map<number, Rows>();
  private fd: number | undefined;
  /** Blocks read from the file so far (for tests and benchmarks). */
  blockReads = 0;

  constructor(
    readonly array: FileArray,
    cacheBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.rowSize = array.shape.slice(1).reduce((a, b) => a * b, 1);
    this.rowBytes = this.rowSize * ELEMENT_BYTES[array.dtype];
    this.rowsPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / this.rowBytes));
    this.maxBlocks = Math.max(1, Math.floor(cacheBytes / (this.rowsPerBlock * this.rowBytes)));
  }

  /** Row `row` as a view into the cache (valid until the next call). */
  row(row: number): Rows {
    const index = Math.floor(row / this.rowsPerBlock);
    let block = this.blocks.get(index);
    if (block) {
      // Re-insert: a Map iterates in insertion order, so its first key is the least recently used.
      this.blocks.delete(index);
    } else {
      // The least recently used block's memory is reused for the one read now: past warm-up, reading
      // allocates nothing (a shuffled epoch reads a block per row, and fresh 64 KB buffers per row
      // left RSS to the garbage collector's pace).
      let spare: Rows | undefined;
      if (this.blocks.size >= this.maxBlocks) {
        const oldest = this.blocks.keys().next().value!;
        spare = this.blocks.get(oldest);
        this.blocks.delete(oldest);
      }
      block = this.readBlock(index, spare);
    }
    this.blocks.set(index, block);
    const offset = (row - index * this.rowsPerBlock) * this.rowSize;
    return block.subarray(offset, offset + this.rowSize);
  }

  private readBlock(index: number, spare?: Rows): Rows {
    const rows = Math.min(this.rowsPerBlock, this.array.shape[0]! - index * this.rowsPerBlock);
    const size = rows * this.rowBytes;
    // Every block's memory is a whole block's, so any spare fits; the file's last block may be shorter
    // (a view of its memory's start).
    const memory = spare ? (spare.buffer as ArrayBuffer) : new ArrayBuffer(this.rowsPerBlock * this.rowBytes);
    const bytes = new Uint8Array(memory, 0, size);
    this.fd ??= openSync(this.array.path, 'r');
    const position = index * this.rowsPerBlock * this.rowBytes;
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(this.fd, bytes, done, bytes.byteLength - done, position + done);
      if (n === 0) throw new Error(`${this.array.path} ends before row ${index * this.rowsPerBlock + rows - 1}`);
      done += n;
    }
    this.blockReads++;
    return new ARRAY_TYPES[this.array.dtype](memory, 0, size / ELEMENT_BYTES[this.array.dtype]);
  }

  /** Closes the file and drops the cache; a later read opens it again. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.blocks.clear();
  }
}
