import type { FeatureColumn, OpenedDataset, OpenedSplit } from '../../domain/dataset.ts';
import type { FileArray, NdArray } from '../../domain/arrays.ts';
import { KilnError } from '../../domain/errors.ts';
import { PrefetchWorker, resolvePreprocess, SampleStore, type LabelEncoding } from '../data/index.ts';
import type { Preprocessing } from '../data/preprocess.ts';
import { isInline, type DatasetRef, type RunSpec } from '../../domain/run-spec/schema.ts';
import { mappedArrays, X_Y_ONLY_FIELDS } from '../../domain/run-spec/array-mapping.ts';
import { namedArraysData, type NamedModelIO } from './named-data.ts';
import { datasetRows, rowIndices, type RowRange } from './dataset-rows.ts';
import { streamSource, tensorDataSource, type BatchSource } from './batch-source.ts';
import type { OutputHead } from './heads.ts';
import { splitClassLogs, type SplitRows } from './split-classes.ts';
import type { LogData } from '../../domain/run-event.ts';
import { splitTest, splitValidation, tensorDataFromJson, type TensorData } from './tensor-data.ts';

/** A run's data, split for training: each split a batch source, freed together by dispose(). */
export interface RunData {
  train: BatchSource;
  validation?: BatchSource;
  test?: BatchSource;
  /** Class names, when the dataset has them (for predictions later). */
  classes?: string[];
  /** How raw inputs were transformed (standardization statistics included), so serving can do the same. */
  preprocess?: Preprocessing;
  /** A CSV dataset's feature columns with categorical vocabularies, so serving encodes records the same way. */
  featureColumns?: FeatureColumn[];
  /** What the run's log should say about the data before training (the splits' classes). */
  logs?: LogData[];
  dispose(): Promise<void>;
}

interface ModelIO extends NamedModelIO {
  inputShape: number[];
  outputUnits: number;
}

/**
 * Splits the data a run trains on: its inline arrays, or the dataset it names, opened by the worker
 * beforehand (the engine never downloads or reads the artifact store for data).
 */
export function openRunData(
  spec: RunSpec,
  opened: OpenedDataset | undefined,
  model: ModelIO,
  heads: OutputHead[],
  heldOut: HeldOutData = {},
): RunData {
  if (isInline(spec.dataset)) return inlineData(spec, model);
  if (!opened)
    throw KilnError.field('dataset.id', `dataset "${spec.dataset.id}" was not opened for training`, 'invalid_spec');
  if (opened.arrays) {
    refuseForNamedArrays(spec.dataset);
    const data = namedArraysData(spec, spec.dataset, opened.arrays, model, heads, {
      validation: heldOut.validation && namedArraysOf(heldOut.validation, 'validationData'),
      test: heldOut.test && namedArraysOf(heldOut.test, 'testData'),
    });
    // A CSV's categorical columns are in its `features` array: a model whose one input reads it takes records.
    const readsFeatures =
      model.inputNames.length === 1 && mappedArrays(spec.dataset, 'inputs', model.inputNames)[0] === 'features';
    return opened.featureColumns && readsFeatures ? { ...data, featureColumns: opened.featureColumns } : data;
  }
  return streamedData(spec, spec.dataset, opened, model, heads, {
    validation: heldOut.validation && splitOf(heldOut.validation, 'validationData'),
    test: heldOut.test && splitOf(heldOut.test, 'testData'),
  });
}

/** The run's validationData and testData, opened by the worker: each read whole. */
export interface HeldOutData {
  validation?: OpenedDataset;
  test?: OpenedDataset;
}

/** A held-out dataset's rows: its train split, or its only one. */
function splitOf(opened: OpenedDataset, field: string): OpenedSplit {
  const split = opened.splits.train ?? opened.splits.test;
  if (!split)
    throw KilnError.field(
      `${field}.id`,
      'holds x and y where the run expects named arrays, or nothing',
      'invalid_spec',
    );
  return split;
}

function namedArraysOf(opened: OpenedDataset, field: string): Record<string, NdArray | FileArray> {
  const arrays = opened.arrays?.train ?? opened.arrays?.test;
  if (!arrays) throw KilnError.field(`${field}.id`, 'holds x and y where the run expects named arrays', 'invalid_spec');
  return arrays;
}

/** The api refuses these too (validate-named-arrays.ts); a spec queued before it did is refused here. */
function refuseForNamedArrays(ref: DatasetRef): void {
  for (const field of X_Y_ONLY_FIELDS) {
    if (ref[field] !== undefined)
      throw KilnError.field(`dataset.${field}`, 'is not supported for datasets of named arrays yet', 'invalid_spec');
  }
}

function inlineData(spec: RunSpec, model: ModelIO): RunData {
  const inline = (spec.dataset as { inline: { x: unknown; y: unknown } }).inline;
  let whole: TensorData;
  try {
    whole = tensorDataFromJson(inline.x, inline.y, model.inputNames, model.outputNames);
  } catch (error) {
    throw KilnError.invalidSpec(`dataset: ${(error as Error).message}`, 'dataset');
  }
  if (spec.fit.epochs === 0) {
    // Evaluation only: every row is evaluated; none trains.
    const all = tensorDataSource(whole);
    return { train: all, test: all, dispose: async () => all.dispose() };
  }
  const testSplit = (spec.dataset as { testSplit?: number }).testSplit ?? 0;
  const { rest, test } = splitTest(whole, testSplit);
  const { train, validation } = splitValidation(rest, spec.fit.validationSplit);
  const sources = [train, validation, test].filter((d): d is TensorData => d !== undefined).map(tensorDataSource);
  return {
    train: tensorDataSource(train),
    validation: validation && tensorDataSource(validation),
    test: test && tensorDataSource(test),
    async dispose() {
      // Slices share nothing with the whole set in tfjs: free every one.
      for (const s of sources) s.dispose();
      tensorDataSource(whole).dispose();
      if (rest !== whole) tensorDataSource(rest).dispose();
    },
  };
}

function labelEncoding(ref: DatasetRef, head: OutputHead, outputUnits: number): LabelEncoding {
  const kind =
    ref.labels ??
    (head.lossName === 'sparseCategoricalCrossentropy'
      ? 'sparse'
      : head.lossName === 'categoricalCrossentropy'
        ? 'oneHot'
        : 'raw');
  return kind === 'oneHot' ? { kind, numClasses: outputUnits } : { kind };
}

function streamedData(
  spec: RunSpec,
  ref: DatasetRef,
  parsed: OpenedDataset,
  model: ModelIO,
  heads: OutputHead[],
  heldOut: { validation?: OpenedSplit; test?: OpenedSplit },
): RunData {
  if (model.inputNames.length !== 1 || heads.length !== 1) {
    throw KilnError.invalidSpec(
      'registered datasets feed models with one input and one output; use inline data for several',
      'model',
    );
  }
  const trainSplit: OpenedSplit | undefined = parsed.splits.train ?? parsed.splits.test;
  if (!trainSplit) throw KilnError.invalidSpec(`dataset "${ref.id}" holds no samples`, 'dataset.id');
  const rows = Math.min(trainSplit.x.shape[0]!, ref.limit ?? Infinity);
  const ownTest = parsed.splits.train && parsed.splits.test;
  const split = datasetRows(spec, ref, rows, ownTest !== undefined);
  const evaluateOnly = spec.fit.epochs === 0;
  const store = (s: OpenedSplit, indices: Int32Array) => new SampleStore({ x: s.x, y: s.y, indices });
  const whole = (s: OpenedSplit) => ({ from: 0, to: s.x.shape[0]! });
  // Where each split's rows are: the run's dataset, or the held-out dataset given for it (read whole).
  const testSplit = heldOut.test ?? (split.test === 'own' ? ownTest! : trainSplit);
  const testRange = heldOut.test || split.test === 'own' ? whole(testSplit) : split.test;
  const validationSplit = heldOut.validation ?? trainSplit;
  const validationRange = heldOut.validation ? whole(heldOut.validation) : split.validation;
  const train = store(trainSplit, rowIndices(split.train));
  const validation = validationRange && store(validationSplit, rowIndices(validationRange));
  const test = testRange && store(testSplit, rowIndices(testRange));

  const expected = model.inputShape.reduce((a, b) => a * b, 1);
  if (train.featureSize !== expected) {
    throw KilnError.invalidSpec(
      `dataset samples have shape [${train.featureShape.join(', ')}] but the model's input expects [${model.inputShape.join(', ')}]`,
      'dataset.id',
    );
  }
  const preprocess = resolvePreprocess(ref.preprocess, train);
  const labels = labelEncoding(ref, heads[0]!, model.outputUnits);
  const rowsOf = (name: SplitRows['name'], s: OpenedSplit, range: RowRange | undefined): SplitRows[] =>
    range && range.to > range.from ? [{ name, y: s.y, ...range }] : [];
  const logs =
    labels.kind === 'raw' || evaluateOnly
      ? []
      : splitClassLogs([
          ...rowsOf('train', trainSplit, split.train),
          ...rowsOf('validation', validationSplit, validationRange),
          ...rowsOf('test', testSplit, testRange),
        ]);
  const prefetchWorker = ref.augment ? new PrefetchWorker() : undefined;
  const source = (s: SampleStore, training: boolean) =>
    streamSource({
      store: s,
      inputShape: model.inputShape,
      preprocess,
      labels,
      augment: ref.augment,
      training,
      prefetchWorker,
    });
  return {
    train: source(train, true),
    validation: validation && source(validation, false),
    test: test && source(test, false),
    classes: parsed.classes,
    preprocess,
    featureColumns: parsed.featureColumns,
    logs,
    async dispose() {
      await prefetchWorker?.close();
      // File-backed stores hold their file open.
      for (const s of [train, validation, test]) s?.close();
    },
  };
}
