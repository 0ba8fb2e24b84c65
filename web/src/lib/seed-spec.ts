/**
 * The seed tutorial's MNIST CNN (Conv2D 32 → pool → Conv2D 64 → pool → Conv2D 64 → Dense 128 →
 * Dropout → Dense 10, 130,890 parameters) with its compile, fit and callbacks, as a Kiln run spec.
 */
export const SEED_MNIST_SPEC = {
  name: 'mnist-cnn',
  model: {
    type: 'sequential',
    name: 'MNIST_CNN',
    layers: [
      { type: 'Conv2D', filters: 32, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
      { type: 'Flatten' },
      { type: 'Dense', units: 128, activation: 'relu' },
      { type: 'Dropout', rate: 0.5 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  dataset: { id: 'mnist', preprocess: { scale: 1 / 255 }, labels: 'oneHot', testSplit: 0.1 },
  compile: {
    optimizer: { type: 'adam', learningRate: 0.001 },
    loss: 'categorical_crossentropy',
    metrics: ['accuracy'],
  },
  fit: { epochs: 10, batchSize: 128, validationSplit: 0.1 },
  callbacks: {
    earlyStopping: { monitor: 'val_loss', patience: 3, restoreBestWeights: true },
    reduceLROnPlateau: { monitor: 'val_loss', factor: 0.5, patience: 2, minLr: 1e-6 },
    modelCheckpoint: { monitor: 'val_accuracy', saveBestOnly: true },
  },
};
