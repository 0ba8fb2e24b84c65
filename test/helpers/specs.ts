/** Run specs for tests: small, generated data, real training. */

/** Two Gaussian blobs in 4-D, labelled one-hot: a dense classifier learns it in a few epochs. */
export function blobs(samples: number, seed = 1): { x: number[][]; y: number[][] } {
  let s = seed;
  const random = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    x.push([0, 1, 2, 3].map(() => (label ? 1 : -1) + (random() - 0.5)));
    y.push(label ? [0, 1] : [1, 0]);
  }
  return { x, y };
}

export function denseRunSpec(
  overrides: { epochs?: number; samples?: number; batchSize?: number; name?: string; units?: number } = {},
) {
  return {
    name: overrides.name ?? 'blobs',
    model: {
      type: 'sequential',
      layers: [
        { type: 'Dense', units: overrides.units ?? 16, activation: 'relu', inputShape: [4] },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    dataset: { inline: blobs(overrides.samples ?? 64) },
    compile: {
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'categorical_crossentropy',
      metrics: ['accuracy'],
    },
    fit: { epochs: overrides.epochs ?? 3, batchSize: overrides.batchSize ?? 16, validationSplit: 0.25, seed: 7 },
  };
}
