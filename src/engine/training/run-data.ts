import type { OpenedDataset, OpenedSplit } from '../../domain/dataset.ts';
import { KilnError } from '../../domain/errors.ts';
import { PrefetchWorker, resolvePreprocess, SampleStore, type LabelEncoding } from '../data/index.ts';
import type { Preprocessing } from '../data/preprocess.ts';
import { isInline, type DatasetRef, type RunSpec } from '../../domain/run-spec/schema.ts';
import { heldOutRows } from '../../domain/run-spec/splits.ts';
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
  /** What the run's log should say about the data before training (the splits' classes). */
  logs?: LogData[];
  dispose(): Promise<void>;
}

interface ModelIO {
  inputNames: string[];
  outputNames: string[];
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
): RunData {
  if (isInline(spec.dataset)) return inlineData(spec, model);
  if (!opened)
    throw KilnError.field('dataset.id', `dataset "${spec.dataset.id}" was not opened for training`, 'invalid_spec');
  return streamedData(spec, spec.dataset, opened, model, heads);
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

/** Row indices [from, to) as an index list. */
const range = (from: number, to: number) => Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

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
  // The dataset's own test split is the test set; else the last testSplit of its rows, counted as
  // Keras counts validation_split (splits.ts: the same counts as inline data and the api's check).
  // Evaluation only (epochs 0) evaluates on the whole dataset when it has no test split of its own.
  const evaluateOnly = spec.fit.epochs === 0;
  const heldOutTest =
    parsed.splits.train && parsed.splits.test ? 0 : evaluateOnly ? rows : heldOutRows(rows, ref.testSplit);
  const trainRows = evaluateOnly ? rows : rows - heldOutTest;
  const valRows = evaluateOnly ? 0 : heldOutRows(trainRows, ref.validationSplit ?? spec.fit.validationSplit);
  const store = (split: OpenedSplit, indices: Int32Array) => new SampleStore({ x: split.x, y: split.y, indices });
  const train = store(trainSplit, range(0, trainRows - valRows));
  const validation = valRows > 0 ? store(trainSplit, range(trainRows - valRows, trainRows)) : undefined;
  const test =
    parsed.splits.train && parsed.splits.test
      ? store(parsed.splits.test, range(0, parsed.splits.test.x.shape[0]!))
      : evaluateOnly
        ? store(trainSplit, range(0, rows))
        : heldOutTest > 0
          ? store(trainSplit, range(trainRows, rows))
          : undefined;

  const expected = model.inputShape.reduce((a, b) => a * b, 1);
  if (train.featureSize !== expected) {
    throw KilnError.invalidSpec(
      `dataset samples have shape [${train.featureShape.join(', ')}] but the model's input expects [${model.inputShape.join(', ')}]`,
      'dataset.id',
    );
  }
  const preprocess = resolvePreprocess(ref.preprocess, train);
  const labels = labelEncoding(ref, heads[0]!, model.outputUnits);
  const rowsOf = (name: SplitRows['name'], split: OpenedSplit, from: number, to: number): SplitRows[] =>
    to > from ? [{ name, y: split.y, from, to }] : [];
  const logs =
    labels.kind === 'raw' || evaluateOnly
      ? []
      : splitClassLogs([
          ...rowsOf('train', trainSplit, 0, trainRows - valRows),
          ...rowsOf('validation', trainSplit, trainRows - valRows, trainRows),
          ...(parsed.splits.train && parsed.splits.test
            ? rowsOf('test', parsed.splits.test, 0, parsed.splits.test.x.shape[0]!)
            : rowsOf('test', trainSplit, trainRows, rows)),
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
    logs,
    async dispose() {
      await prefetchWorker?.close();
      // File-backed stores hold their file open.
      for (const s of [train, validation, test]) s?.close();
    },
  };
}
