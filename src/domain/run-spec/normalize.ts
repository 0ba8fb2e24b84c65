import { own } from '../own.ts';
import { LOSS_CLASSES } from './schema.ts';
/**
 * Keras users write `batch_size`, `"categorical_crossentropy"` and `Adam`; Kiln's schema speaks
 * camelCase. This maps the Keras spellings onto Kiln's before validation, touching only keys Kiln
 * owns (never output names or class ids, which are the user's).
 */

const LOSS_ALIASES: Record<string, string> = {
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  huber_loss: 'huber',
  kl_divergence: 'kld',
  kullback_leibler_divergence: 'kld',
  // Keras also takes a loss class's name as a string (keras.losses.get("CategoricalCrossentropy")).
  ...LOSS_CLASSES,
};

/** Keras' metric spellings → Kiln's names (also how the api suggests a monitor such as `val_acc`). */
export const METRIC_ALIASES: Record<string, string> = {
  acc: 'accuracy',
  categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy',
  binary_accuracy: 'binaryAccuracy',
  mean_squared_error: 'mse',
  mean_absolute_error: 'mae',
  meanSquaredError: 'mse',
  meanAbsoluteError: 'mae',
};

const KEY_ALIASES: Record<string, string> = {
  beta_1: 'beta1',
  beta_2: 'beta2',
  nesterov: 'useNesterov',
  // Keras spells clipnorm and clipvalue as one word; global_clipnorm becomes globalClipnorm.
  clipNorm: 'clipnorm',
  clipValue: 'clipvalue',
  global_clipnorm: 'globalClipnorm',
  globalClipNorm: 'globalClipnorm',
};

/** snake_case → camelCase for one key (`learning_rate` → `learningRate`). */
function camelKey(key: string): string {
  return own(KEY_ALIASES, key) ?? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelKeys(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelKey(k), v]));
}

function mapNames(value: unknown, aliases: Record<string, string>): unknown {
  if (typeof value === 'string') return own(aliases, value) ?? value;
  if (Array.isArray(value)) return value.map((v) => mapNames(v, aliases));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapNames(v, aliases)]));
  return value;
}

function normalizeOptimizer(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  const obj = camelKeys(value);
  if (isPlainObject(obj) && typeof obj.type === 'string') obj.type = obj.type.toLowerCase();
  // Keras calls it `lr` in old scripts.
  if (isPlainObject(obj) && 'lr' in obj && !('learningRate' in obj)) {
    obj.learningRate = obj.lr;
    delete obj.lr;
  }
  // A schedule: {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": ...}}.
  if (isPlainObject(obj) && isPlainObject(obj.learningRate)) {
    const schedule = camelKeys(obj.learningRate) as Record<string, unknown>;
    if (isPlainObject(schedule.config)) schedule.config = camelKeys(schedule.config);
    obj.learningRate = schedule;
  }
  return obj;
}

/** `{"class_name": ..., "config": {"from_logits": ...}}` → camelCase keys; the class name stays Keras'. */
function normalizeLossObject(value: Record<string, unknown>): Record<string, unknown> {
  const loss = camelKeys(value) as Record<string, unknown>;
  if (isPlainObject(loss.config)) loss.config = camelKeys(loss.config);
  return loss;
}

const isKerasLossObject = (value: unknown): value is Record<string, unknown> =>
  isPlainObject(value) && ('class_name' in value || 'className' in value);

/** A loss name, a loss object, or either per output name (the names are the user's and stay). */
function normalizeLoss(value: unknown): unknown {
  if (typeof value === 'string') return own(LOSS_ALIASES, value) ?? value;
  if (isKerasLossObject(value)) return normalizeLossObject(value);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeLoss(v)]));
  return value;
}

/**
 * `test_split`, `validation_split` and augment's `flip_left_right`: the dataset's own keys. The inline
 * data (x, y, and the input and output names under them) is the user's and stays as it is.
 */
function normalizeDataset(value: Record<string, unknown>): Record<string, unknown> {
  const dataset = camelKeys(value) as Record<string, unknown>;
  if (isPlainObject(dataset.augment)) dataset.augment = camelKeys(dataset.augment);
  return dataset;
}

/** The step's further models keep their (user's) names; each one's optimizer takes Keras' spellings. */
function normalizeTrainStep(value: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(value.models)) return value;
  const models = Object.fromEntries(
    Object.entries(value.models).map(([name, entry]) => [
      name,
      isPlainObject(entry) && 'optimizer' in entry
        ? { ...entry, optimizer: normalizeOptimizer(entry.optimizer) }
        : entry,
    ]),
  );
  return { ...value, models };
}

const CALLBACK_NAMES = ['earlyStopping', 'reduceLROnPlateau', 'modelCheckpoint', 'tensorBoard'];

/** `reduce_lr_on_plateau`, `ReduceLROnPlateau` and `reduceLROnPlateau` all name the same callback. */
function callbackName(key: string): string {
  const folded = key.replace(/_/g, '').toLowerCase();
  return CALLBACK_NAMES.find((n) => n.toLowerCase() === folded) ?? key;
}

/** Returns a copy of a run spec body with Keras spellings mapped onto Kiln's; anything else is left as is. */
export function normalizeRunSpec(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const spec: Record<string, unknown> = { ...body };
  if (isPlainObject(spec.compile)) {
    const compile = camelKeys(spec.compile) as Record<string, unknown>;
    if ('optimizer' in compile) compile.optimizer = normalizeOptimizer(compile.optimizer);
    if ('loss' in compile) compile.loss = normalizeLoss(compile.loss);
    if ('metrics' in compile) compile.metrics = mapNames(compile.metrics, METRIC_ALIASES);
    spec.compile = compile;
  }
  if (isPlainObject(spec.fit)) spec.fit = camelKeys(spec.fit);
  // Keras' method name.
  if ('train_step' in spec && !('trainStep' in spec)) {
    spec.trainStep = spec.train_step;
    delete spec.train_step;
  }
  if (isPlainObject(spec.trainStep)) spec.trainStep = normalizeTrainStep(spec.trainStep);
  if (isPlainObject(spec.dataset)) spec.dataset = normalizeDataset(spec.dataset);
  for (const key of ['validation_data', 'test_data']) {
    if (key in spec && !(camelKey(key) in spec)) {
      spec[camelKey(key)] = spec[key];
      delete spec[key];
    }
  }
  // Keras passes validation_data to fit(): accepted there too, and kept beside the dataset.
  if (isPlainObject(spec.fit) && 'validationData' in spec.fit && !('validationData' in spec)) {
    const { validationData, ...fit } = spec.fit;
    spec.fit = fit;
    spec.validationData = validationData;
  }
  if (isPlainObject(spec.callbacks)) {
    spec.callbacks = Object.fromEntries(
      Object.entries(spec.callbacks).map(([k, v]) => [callbackName(k), camelKeys(v)]),
    );
  }
  return spec;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
