import type { Issue } from '../../domain/errors.ts';
import { isLossObject, type CompileSpec, type LossObject } from '../../domain/run-spec/schema.ts';
import { isPerOutput } from '../training/heads.ts';

type ConfigArg = keyof NonNullable<LossObject['config']>;

/** What every Keras loss writes in its config and Kiln does as Keras' default does. */
const COMMON: ConfigArg[] = ['name', 'reduction', 'dtype'];

/** The config arguments each Keras loss class takes (Keras 3's signatures); any other is refused by name. */
export const LOSS_CONFIG_ARGS: Record<LossObject['className'], ConfigArg[]> = {
  CategoricalCrossentropy: [...COMMON, 'fromLogits', 'labelSmoothing', 'axis'],
  SparseCategoricalCrossentropy: [...COMMON, 'fromLogits', 'ignoreClass', 'axis'],
  BinaryCrossentropy: [...COMMON, 'fromLogits', 'labelSmoothing', 'axis'],
  MeanSquaredError: COMMON,
  MeanAbsoluteError: COMMON,
  MeanAbsolutePercentageError: COMMON,
  Huber: [...COMMON, 'delta'],
  Hinge: COMMON,
  KLDivergence: COMMON,
};

/** Keras' default reduction (Keras 2 called it `auto`): the mean of the per-sample losses, as Kiln computes. */
const MEAN_REDUCTIONS = ['sum_over_batch_size', 'auto'];

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function checkLossObject(loss: LossObject, path: string): Issue[] {
  const issues: Issue[] = [];
  const takes = LOSS_CONFIG_ARGS[loss.className as LossObject['className']];
  for (const [key, value] of Object.entries(loss.config ?? {})) {
    if (value === undefined) continue;
    const field = `${path}.config.${key}`;
    if (!takes.includes(key as ConfigArg)) {
      issues.push({
        path: field,
        message: `is not an argument of ${loss.className} (it takes ${takes.map(snake).join(', ')})`,
      });
    } else if (key === 'reduction' && value !== null && !MEAN_REDUCTIONS.includes(value as string)) {
      issues.push({
        path: field,
        message: `Kiln averages the per-sample losses over the batch (Keras' "sum_over_batch_size"); "${String(value)}" is not supported`,
      });
    } else if (key === 'axis' && value !== -1) {
      issues.push({ path: field, message: 'only -1 (the last axis, the classes) is supported' });
    } else if (key === 'dtype' && value !== null && value !== 'float32') {
      issues.push({ path: field, message: 'Kiln computes losses in float32' });
    }
  }
  return issues;
}

/** Every loss object's config against its class: an argument it does not take, or a value Kiln does not compute. */
export function checkLossObjects(compile: CompileSpec): Issue[] {
  if (isLossObject(compile.loss)) return checkLossObject(compile.loss, 'compile.loss');
  if (!isPerOutput(compile.loss)) return [];
  return Object.entries(compile.loss).flatMap(([output, loss]) =>
    isLossObject(loss) ? checkLossObject(loss, `compile.loss.${output}`) : [],
  );
}
