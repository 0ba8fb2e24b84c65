import * as tf from '@tensorflow/tfjs';
import { camelCase } from './naming.ts';
import { own } from '../../domain/own.ts';

/** The tfjs initializer class (not exported by name from @tensorflow/tfjs). */
export type TfInitializer = ReturnType<typeof tf.initializers.zeros>;

/** A validated initializer: tfjs factory name plus camelCase options. */
export interface InitializerSpec {
  kind: 'initializer';
  factory: keyof typeof tf.initializers;
  options: Record<string, unknown>;
}

type Factory = InitializerSpec['factory'];

// Keras spellings (function aliases and class names) → tfjs factory, with the options each accepts.
const INITIALIZERS: Record<string, { factory: Factory; options: readonly string[] }> = {};
function alias(names: string[], factory: Factory, options: readonly string[]): void {
  for (const n of names) INITIALIZERS[n] = { factory, options };
}
const SEED = ['seed'];
alias(['glorot_uniform', 'GlorotUniform', 'glorotUniform'], 'glorotUniform', SEED);
alias(['glorot_normal', 'GlorotNormal', 'glorotNormal'], 'glorotNormal', SEED);
alias(['he_uniform', 'HeUniform', 'heUniform'], 'heUniform', SEED);
alias(['he_normal', 'HeNormal', 'heNormal'], 'heNormal', SEED);
alias(['lecun_uniform', 'LecunUniform', 'leCunUniform'], 'leCunUniform', SEED);
alias(['lecun_normal', 'LecunNormal', 'leCunNormal'], 'leCunNormal', SEED);
alias(['zeros', 'Zeros', 'zero'], 'zeros', []);
alias(['ones', 'Ones', 'one'], 'ones', []);
alias(['constant', 'Constant'], 'constant', ['value']);
alias(['random_uniform', 'RandomUniform', 'randomUniform', 'uniform'], 'randomUniform', ['minval', 'maxval', 'seed']);
alias(['random_normal', 'RandomNormal', 'randomNormal', 'normal'], 'randomNormal', ['mean', 'stddev', 'seed']);
alias(['truncated_normal', 'TruncatedNormal', 'truncatedNormal'], 'truncatedNormal', ['mean', 'stddev', 'seed']);
alias(['orthogonal', 'Orthogonal'], 'orthogonal', ['gain', 'seed']);
alias(['identity', 'Identity'], 'identity', ['gain']);
alias(['variance_scaling', 'VarianceScaling', 'varianceScaling'], 'varianceScaling', [
  'scale',
  'mode',
  'distribution',
  'seed',
]);

// Keras distribution names differ from tfjs ones.
const DISTRIBUTIONS: Record<string, string> = {
  truncated_normal: 'truncatedNormal',
  truncatedNormal: 'truncatedNormal',
  untruncated_normal: 'normal',
  normal: 'normal',
  uniform: 'uniform',
};

/** Parses a Keras initializer (name string or {class_name, config}); returns an error message on failure. */
export function parseInitializer(value: unknown): InitializerSpec | string {
  let name: unknown = value;
  let config: Record<string, unknown> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    name = obj.class_name ?? obj.className ?? obj.type;
    const cfg = obj.config ?? {};
    if (typeof cfg !== 'object' || cfg === null) return 'initializer config must be an object';
    config = cfg as Record<string, unknown>;
  }
  if (typeof name !== 'string')
    return 'must be an initializer name like "glorot_uniform" or {"class_name": ..., "config": {...}}';
  const known = own(INITIALIZERS, name);
  if (!known) return `unknown initializer "${name}"`;
  const options: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(config)) {
    const key = camelCase(rawKey);
    if (!known.options.includes(key)) return `initializer "${name}" has no option "${rawKey}"`;
    if (v === null) continue;
    if (key === 'mode' || key === 'distribution') {
      if (typeof v !== 'string') return `initializer option "${rawKey}" must be a string`;
      options[key] = key === 'mode' ? camelCase(v) : own(DISTRIBUTIONS, v);
      if (
        options[key] === undefined ||
        !['fanIn', 'fanOut', 'fanAvg', 'normal', 'uniform', 'truncatedNormal'].includes(options[key] as string)
      ) {
        return `initializer option "${rawKey}" has unsupported value "${v}"`;
      }
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      return `initializer option "${rawKey}" must be a number`;
    } else {
      options[key] = v;
    }
  }
  return { kind: 'initializer', factory: known.factory, options };
}

/** Whether this initializer draws random numbers (and so takes a seed). */
function isRandomInitializer(spec: InitializerSpec): boolean {
  return INITIALIZERS[spec.factory].options.includes('seed');
}

/** Creates the tfjs initializer; `seed` is used unless the spec pins its own. */
export function createInitializer(spec: InitializerSpec, seed: number | undefined): TfInitializer {
  const options = { ...spec.options };
  if (seed !== undefined && isRandomInitializer(spec) && options.seed === undefined) options.seed = seed;
  const factory = tf.initializers[spec.factory] as (o: Record<string, unknown>) => TfInitializer;
  return factory(options);
}
