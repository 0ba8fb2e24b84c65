import type { DatasetInfo } from '../../domain/dataset.ts';
import type { Issue } from '../../domain/errors.ts';
import { isInline, type DatasetRef, type RunSpec } from '../../domain/run-spec/schema.ts';
import type { ModelSummary } from '../model/index.ts';
import type { OutputHead } from '../training/heads.ts';
import { checkNamedArrays } from './validate-named-arrays.ts';

/** The run's validationData and testData, as the api resolved them. */
export interface HeldOutInfo {
  validationData?: DatasetInfo;
  testData?: DatasetInfo;
}

/**
 * validationData / testData against the run: given with a dataset by id (inline data has its splits),
 * never together with the split they replace, of the same kind as the training data (x/y or named
 * arrays), and fitting the model as the training data must.
 */
export function checkHeldOutData(
  spec: RunSpec,
  infos: HeldOutInfo,
  summary: ModelSummary,
  heads: OutputHead[],
  checkXY: (ref: DatasetRef, info: DatasetInfo) => Issue[],
  training: DatasetInfo | undefined,
): Issue[] {
  const issues: Issue[] = [];
  for (const field of ['validationData', 'testData'] as const) {
    const ref = spec[field];
    if (!ref) continue;
    if (isInline(spec.dataset)) {
      issues.push({
        path: field,
        message: `needs the run's dataset to be given by id too; with inline data use ${field === 'validationData' ? 'fit.validationSplit' : 'dataset.testSplit'}`,
      });
      continue;
    }
    const replaced =
      field === 'validationData'
        ? spec.dataset.validationSplit !== undefined
          ? 'dataset.validationSplit'
          : spec.fit.validationSplit
            ? 'fit.validationSplit'
            : undefined
        : spec.dataset.testSplit !== undefined
          ? 'dataset.testSplit'
          : undefined;
    if (replaced)
      issues.push({
        path: field,
        message: `and ${replaced} both set the ${field === 'validationData' ? 'validation' : 'test'} data; give only one`,
      });
    const info = infos[field];
    if (!info) continue;
    if (training && Boolean(info.arrays) !== Boolean(training.arrays)) {
      issues.push({
        path: `${field}.id`,
        message: `dataset "${ref.id}" holds ${info.arrays ? 'named arrays' : 'x and y'} but the run's dataset holds ${training.arrays ? 'named arrays' : 'x and y'}; give both of one kind`,
      });
      continue;
    }
    if (info.arrays) {
      issues.push(...checkNamedArrays(ref, { ...info, arrays: info.arrays }, summary, heads, field));
    } else {
      // The run's dataset settings (reshape, labels) read this one too; its facts are its own.
      for (const issue of checkXY(spec.dataset, info))
        issues.push({
          ...issue,
          path: issue.path.replace(/^dataset\.id$/, `${field}.id`),
          message: `${field} "${ref.id}": ${issue.message}`,
        });
    }
  }
  return issues;
}
