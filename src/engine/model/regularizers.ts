import * as tf from '@tensorflow/tfjs';
import { own } from '../../domain/own.ts';

/** The tfjs regularizer class (not exported by name from @tensorflow/tfjs). */
export type TfRegularizer = ReturnType<typeof tf.regularizers.l1l2>;

/** A validated weight regularizer (Keras L1 / L2 / L1L2). */
export interface RegularizerSpec {
  kind: 'regularizer';
  l1: number;
  l2: number;
}

// Keras' defaults when a regularizer is given by name only.
const BY_NAME: Record<string, { l1: number; l2: number }> = {
  l1: { l1: 0.01, l2: 0 },
  l2: { l1: 0, l2: 0.01 },
  l1_l2: { l1: 0.01, l2: 0.01 },
};

/** Parses a Keras regularizer ("l2" or {class_name: "L2", config: {l2: 0.01}}); returns an error message on failure. */
export function parseRegularizer(value: unknown): RegularizerSpec | string {
  if (typeof value === 'string') {
    const known = own(BY_NAME, value.toLowerCase());
    return known ? { kind: 'regularizer', ...known } : `unknown regularizer "${value}" (use l1, l2 or l1_l2)`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be a regularizer name like "l2" or {"class_name": "L2", "config": {"l2": 0.01}}';
  }
  const obj = value as Record<string, unknown>;
  const className = String(obj.class_name ?? obj.className ?? obj.type ?? '');
  if (!['L1', 'L2', 'L1L2', 'l1', 'l2', 'l1l2', 'l1_l2'].includes(className))
    return `unknown regularizer "${className}"`;
  const config = (obj.config ?? {}) as Record<string, unknown>;
  const out: RegularizerSpec = { kind: 'regularizer', l1: 0, l2: 0 };
  for (const key of ['l1', 'l2'] as const) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || v < 0) return `regularizer ${key} must be a non-negative number`;
    out[key] = v;
  }
  return out;
}

/** Creates the tfjs regularizer. */
export function createRegularizer(spec: RegularizerSpec): TfRegularizer {
  return tf.regularizers.l1l2({ l1: spec.l1, l2: spec.l2 });
}
