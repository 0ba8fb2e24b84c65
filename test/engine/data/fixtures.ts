// Small synthetic datasets for the pipeline tests.
import type { NdArray } from '../../../src/domain/arrays.ts';
import { SampleStore } from '../../../src/engine/data/index.ts';

/** n uint8 images of shape [h, w, c] with pseudo-random but reproducible pixels. */
export function images(n: number, h: number, w: number, c: number): NdArray {
  const data = new Uint8Array(n * h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { dtype: 'uint8', shape: [n, h, w, c], data };
}

/** Class indices 0..classes-1, cycling, as int32 [n]. */
export function classLabels(n: number, classes: number): NdArray {
  return { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % classes) };
}

/** A store of n 8×8×c images labelled with `classes` cycling classes. */
export function imageStore(n = 40, c = 1, classes = 10) {
  return new SampleStore({ x: images(n, 8, 8, c), y: classLabels(n, classes) });
}
