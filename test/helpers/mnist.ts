import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const MNIST_IMAGES = fileURLToPath(
  new URL('../../../shared/datasets/mnist/t10k-images-idx3-ubyte.gz', import.meta.url),
);

/** The first `n` MNIST test labels (0…9). */
export function mnistLabels(n: number): number[] {
  const bytes = gunzipSync(readFileSync(MNIST_IMAGES.replace('images-idx3', 'labels-idx1')));
  return Array.from(bytes.subarray(8, 8 + n));
}

/** The first `n` MNIST test digits as raw pixels (0…255), each a 28×28×1 nested array, as a client sends them. */
export function mnistPixelRows(n: number): number[][][][] {
  const bytes = gunzipSync(readFileSync(MNIST_IMAGES));
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 28 }, (_, y) => Array.from({ length: 28 }, (_, x) => [bytes[16 + i * 784 + y * 28 + x]!])),
  );
}
