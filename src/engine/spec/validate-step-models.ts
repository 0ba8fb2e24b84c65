import type { Issue } from '../../domain/errors.ts';
import type { RunSpec } from '../../domain/run-spec/schema.ts';
import { validateModelSpec } from '../model/index.ts';
import { checkLearningRateSchedule, checkOptimizerArgs } from './optimizers.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_MODELS = 8;

/**
 * The further models of a train step (trainStep.models): a name a step can write as `models.name`,
 * a model graph that builds (within KILN_MAX_PARAMS, like the run's model) and an optimizer with only
 * its own arguments.
 */
export function checkStepModels(spec: RunSpec, maxParams: number): Issue[] {
  const models = Object.entries(spec.trainStep?.models ?? {});
  const issues: Issue[] = [];
  if (models.length > MAX_MODELS)
    issues.push({ path: 'trainStep.models', message: `at most ${MAX_MODELS} further models (got ${models.length})` });
  for (const [name, { model, optimizer }] of models) {
    const path = `trainStep.models.${name}`;
    if (!NAME.test(name)) {
      issues.push({ path, message: 'a model name is a JavaScript identifier (letters, digits, _; up to 64)' });
      continue;
    }
    const built = validateModelSpec(model, { maxParams });
    if (!built.ok)
      issues.push(
        ...built.errors.map((e) => ({ path: `${path}.model.${e.path.replace(/^model\.?/, '')}`, message: e.message })),
      );
    const own = (issue: Issue) => ({ ...issue, path: issue.path.replace(/^compile\.optimizer/, `${path}.optimizer`) });
    issues.push(...checkOptimizerArgs(optimizer).map(own));
    issues.push(...checkLearningRateSchedule(optimizer, undefined).map(own));
  }
  return issues;
}
