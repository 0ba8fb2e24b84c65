// Shared by the Keras file tests: the fixture files, the first MNIST test digits and a few comparisons.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Real Keras files, saved by Keras itself (see their README). */
export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/keras/', import.meta.url));
const MNIST_IMAGES = fileURLToPath(
  new URL('../../../../shared/datasets/mnist/t10k-images-idx3-ubyte.gz', import.meta.url),
);

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** The first `n` MNIST test digits as a [n, 28, 28, 1] tensor, pixels / 255 (as the expected outputs were computed). */
export function mnistDigits(n: number): tf.Tensor4D {
  const bytes = gunzipSync(readFileSync(MNIST_IMAGES));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(0), 0x803, 'IDX magic of an images file');
  const pixels = Float32Array.from(bytes.subarray(16, 16 + n * 784), (p) => p / 255);
  return tf.tensor4d(pixels, [n, 28, 28, 1]);
}

/** Largest absolute difference between two equally shaped tensors (or lists of them). */
export function maxAbsDiff(a: tf.Tensor | tf.Tensor[], b: tf.Tensor | tf.Tensor[]): number {
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  assert.equal(as.length, bs.length);
  let max = 0;
  as.forEach((t, i) => {
    assert.deepEqual(t.shape, bs[i]!.shape);
    const x = t.dataSync();
    const y = bs[i]!.dataSync();
    for (let k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k]! - y[k]!));
  });
  return max;
}
