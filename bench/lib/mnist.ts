// Real MNIST digits for the benchmarks, read from the repo's sibling shared/ folder.
import { fileURLToPath } from 'node:url';
import { readIdxGz } from './idx.ts';

export const MNIST_DIR = fileURLToPath(new URL('../../../shared/datasets/mnist/', import.meta.url));

export interface MnistSet {
  count: number;
  /** count x 28 x 28 pixels scaled to [0, 1]. */
  images: Float32Array;
  /** count x 10 one-hot labels. */
  oneHot: Float32Array;
}

/** Loads the first `count` digits of the MNIST t10k split. */
export function loadMnistTest(count: number): MnistSet {
  const images = readIdxGz(`${MNIST_DIR}t10k-images-idx3-ubyte.gz`, 2051);
  const labels = readIdxGz(`${MNIST_DIR}t10k-labels-idx1-ubyte.gz`, 2049);
  const n = Math.min(count, images.dims[0], labels.dims[0]);
  const pixels = 28 * 28;
  const scaled = new Float32Array(n * pixels);
  for (let i = 0; i < n * pixels; i++) scaled[i] = images.data[i] / 255;
  const oneHot = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) oneHot[i * 10 + labels.data[i]] = 1;
  return { count: n, images: scaled, oneHot };
}
