import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadKerasModel, readKerasModelFile } from '../../../src/engine/keras-files/index.ts';
import { fixture, FIXTURES, maxAbsDiff, mnistDigits } from './helpers.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const CASES = [
  {
    file: 'keras-3.14-mnist-cnn.keras',
    format: 'keras',
    version: '3.14.0',
    weighted: ['conv2d', 'conv2d_1', 'dense', 'dense_1'],
  },
  { file: 'keras-2.12-mnist-cnn.h5', format: 'h5', version: '2.12.0', weighted: ['conv2d', 'dense'] },
] as const;

for (const c of CASES) {
  test(`${c.file}: predicts the expected probabilities of the first 100 digits within 1e-4`, () => {
    const file = readKerasModelFile(fixture(c.file), c.file);
    assert.equal(file.format, c.format);
    assert.equal(file.kerasVersion, c.version);
    assert.deepEqual(
      [...file.weights].filter(([, w]) => w.length > 0).map(([name]) => name),
      c.weighted,
    );

    const expected = JSON.parse(readFileSync(FIXTURES + c.file + '.expected.json', 'utf8')) as {
      scale: number;
      probabilities: number[][];
    };
    assert.equal(expected.scale, 1 / 255);
    const model = loadKerasModel(file);
    const digits = mnistDigits(100);
    const out = model.predict(digits) as tf.Tensor;
    const want = tf.tensor2d(expected.probabilities);
    const diff = maxAbsDiff(out, want);
    assert.ok(diff < 1e-4, `largest difference ${diff}`);
    tf.dispose([digits, out, want]);
    model.dispose();
  });
}
