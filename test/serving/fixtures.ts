// Small models built in the test process and registered straight into the api's store and database,
// plus helpers to compare the api's answers with the model's own in-process predict.
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { artifactIOHandler } from '../../src/engine/io/artifact-io-handler.ts';
import { modelSignature } from '../../src/engine/model-signature.ts';

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** Saves a model into the api's artifact store and registers it as the next version of `name`. */
export async function registerModel(
  app: FastifyInstance,
  model: tf.LayersModel,
  opts: { name: string; labels?: unknown; preprocessing?: unknown },
): Promise<{ id: string; version: number }> {
  const path = `models/${randomUUID()}`;
  await model.save(artifactIOHandler(app.artifacts, path));
  const latest = await app.db.prisma.model.findFirst({ where: { name: opts.name }, orderBy: { version: 'desc' } });
  const version = (latest?.version ?? 0) + 1;
  const row = await app.db.prisma.model.create({
    data: {
      id: randomUUID(),
      name: opts.name,
      version,
      path,
      signature: modelSignature(model) as object,
      ...(opts.labels ? { labels: opts.labels as object } : {}),
      ...(opts.preprocessing ? { preprocessing: opts.preprocessing as object } : {}),
    },
  });
  return { id: row.id, version };
}

/** A sequential softmax classifier over 4 features and 3 classes. */
export function classifier(seed = 1): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4], kernelInitializer: seeded(seed) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(seed + 1) }),
    ],
  });
}

/** A functional model with two named inputs and two named outputs (a 3-class head and a regression head). */
export function multiOutput(): tf.LayersModel {
  const signal = tf.input({ shape: [5], name: 'signal' });
  const sensor = tf.input({ shape: [2, 2], name: 'sensor' });
  const flat = tf.layers.flatten().apply(sensor) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([signal, flat]) as tf.SymbolicTensor;
  const hidden = tf.layers
    .dense({ units: 6, activation: 'tanh', kernelInitializer: seeded(3) })
    .apply(joined) as tf.SymbolicTensor;
  const scores = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'scores', kernelInitializer: seeded(4) })
    .apply(hidden) as tf.SymbolicTensor;
  const value = tf.layers
    .dense({ units: 1, name: 'value', kernelInitializer: seeded(5) })
    .apply(hidden) as tf.SymbolicTensor;
  return tf.model({ inputs: [signal, sensor], outputs: [scores, value] });
}

/** A tiny CNN over 8x8 gray images with 2 classes. */
export function imageModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 2,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: seeded(6),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(7) }),
    ],
  });
}

/** TF Serving's documented half_plus_three, as tfjs can build it: x of shape [1] in, y = x/2 + 3 (a scalar per row) out. */
export function halfPlusThree(): tf.LayersModel {
  const x = tf.input({ shape: [1], name: 'x' });
  const dense = tf.layers.dense({
    units: 1,
    kernelInitializer: tf.initializers.constant({ value: 0.5 }),
    biasInitializer: tf.initializers.constant({ value: 3 }),
  });
  const y = tf.layers
    .reshape({ targetShape: [], name: 'y' })
    .apply(dense.apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

/** A PNG of the given size with deterministic RGBA pixels, base64-encoded. */
export function pngBase64(width: number, height: number, seed: number): string {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = (i * 37 + seed * 11) % 256;
    png.data[i * 4 + 1] = (i * 17 + seed * 5) % 256;
    png.data[i * 4 + 2] = (i * 7 + seed * 3) % 256;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png).toString('base64');
}

/** The model's own predict, as nested arrays per output. */
export function localPredict(
  model: tf.LayersModel,
  inputs: number[][] | number[][][] | Array<number[] | number[][] | number[][][]>[] | tf.Tensor | tf.Tensor[],
): number[][][] | any {
  return tf.tidy(() => {
    const y = model.predict(inputs as tf.Tensor | tf.Tensor[]);
    return (Array.isArray(y) ? y : [y]).map((t) => t.arraySync());
  });
}

/** Asserts two nested numeric structures are equal within 1e-5. */
export function assertClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${JSON.stringify(actual)}`);
    assert.ok(
      Math.abs((actual as number) - expected) <= 1e-5,
      `${path}: ${actual} differs from ${expected} by more than 1e-5`,
    );
    return;
  }
  assert.ok(
    Array.isArray(expected) && Array.isArray(actual),
    `${path}: expected an array, got ${JSON.stringify(actual)?.slice(0, 80)}`,
  );
  assert.equal(actual.length, expected.length, `${path}: length`);
  expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${path}[${i}]`));
}

/** Deterministic pseudo-random rows. */
export function rows(count: number, width: number, seed = 1): number[][] {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Array.from({ length: count }, () => Array.from({ length: width }, random));
}
