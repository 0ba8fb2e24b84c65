import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { loadBuiltinDataset } from '../../datasets/builtin.ts';
import { readStoredDataset } from '../../datasets/storage.ts';
import type { ParsedDataset, Split } from '../../datasets/formats/types.ts';
import type { ResolvedDataset } from '../../queue/contracts.ts';
import { PrefetchWorker, resolvePreprocess, SampleStore, type LabelEncoding } from '../data/index.ts';
import type { Preprocessing } from '../data/preprocess.ts';
import { SpecError } from '../errors.ts';
import { isInline, type DatasetRef, type RunSpec } from '../spec/run-spec.ts';
import { streamSource, tensorDataSource, type BatchSource } from './batch-source.ts';
import type { OutputHead } from './heads.ts';
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
  dispose(): Promise<void>;
}

export interface RunDataDeps {
  artifacts: ArtifactStore;
  dataDir: string;
  datasetMirror?: string;
}

interface ModelIO {
  inputNames: string[];
  outputNames: string[];
  inputShape: number[];
  outputUnits: number;
}

/** Opens the data a run trains on: its inline arrays, a registered dataset, or a built-in one. */
export async function openRunData(spec: RunSpec, resolved: ResolvedDataset | undefined, model: ModelIO, heads: OutputHead[], deps: RunDataDeps): Promise<RunData> {
  if (isInline(spec.dataset)) return inlineData(spec, model);
  if (!resolved) throw new SpecError(`dataset "${spec.dataset.id}" was not resolved by the api`, 'dataset.id');
  const parsed =
    resolved.kind === 'stored'
      ? await readStoredDataset(deps.artifacts, resolved.prefix)
      : await loadBuiltinDataset(resolved.name, { dataDir: deps.dataDir, mirror: deps.datasetMirror });
  return streamedData(spec, spec.dataset, parsed, model, heads);
}

function inlineData(spec: RunSpec, model: ModelIO): RunData {
  const inline = (spec.dataset as { inline: { x: unknown; y: unknown } }).inline;
  let whole: TensorData;
  try {
    whole = tensorDataFromJson(inline.x, inline.y, model.inputNames, model.outputNames);
  } catch (error) {
    throw new SpecError(`dataset: ${(error as Error).message}`, 'dataset');
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
  const kind = ref.labels ?? (head.lossName === 'sparseCategoricalCrossentropy' ? 'sparse' : head.lossName === 'categoricalCrossentropy' ? 'oneHot' : 'raw');
  return kind === 'oneHot' ? { kind, numClasses: outputUnits } : { kind };
}

function streamedData(spec: RunSpec, ref: DatasetRef, parsed: ParsedDataset, model: ModelIO, heads: OutputHead[]): RunData {
  if (model.inputNames.length !== 1 || heads.length !== 1) {
    throw new SpecError('registered datasets feed models with one input and one output; use inline data for several', 'model');
  }
  const trainSplit: Split | undefined = parsed.splits.train ?? parsed.splits.test;
  if (!trainSplit) throw new SpecError(`dataset "${ref.id}" holds no samples`, 'dataset.id');
  const rows = Math.min(trainSplit.x.shape[0]!, ref.limit ?? Infinity);
  // The dataset's own test split is the test set; else the last testSplit of its rows, as Keras' validation_split does.
  const heldOutTest = parsed.splits.train && parsed.splits.test ? 0 : Math.floor(rows * (ref.testSplit ?? 0));
  const trainRows = rows - heldOutTest;
  const valRows = Math.floor(trainRows * (ref.validationSplit ?? spec.fit.validationSplit));
  const store = (split: Split, indices: Int32Array) => new SampleStore({ x: split.x, y: split.y, indices });
  const train = store(trainSplit, range(0, trainRows - valRows));
  const validation = valRows > 0 ? store(trainSplit, range(trainRows - valRows, trainRows)) : undefined;
  const test = parsed.splits.train && parsed.splits.test ? store(parsed.splits.test, range(0, parsed.splits.test.x.shape[0]!)) : heldOutTest > 0 ? store(trainSplit, range(trainRows, rows)) : undefined;

  const expected = model.inputShape.reduce((a, b) => a * b, 1);
  if (train.featureSize !== expected) {
    throw new SpecError(`dataset samples have shape [${train.featureShape.join(', ')}] but the model's input expects [${model.inputShape.join(', ')}]`, 'dataset.id');
  }
  const preprocess = resolvePreprocess(ref.preprocess, train);
  const labels = labelEncoding(ref, heads[0]!, model.outputUnits);
  const prefetchWorker = ref.augment ? new PrefetchWorker() : undefined;
  const source = (s: SampleStore, training: boolean) =>
    streamSource({ store: s, inputShape: model.inputShape, preprocess, labels, augment: ref.augment, training, prefetchWorker });
  return {
    train: source(train, true),
    validation: validation && source(validation, false),
    test: test && source(test, false),
    classes: parsed.classes,
    preprocess,
    async dispose() {
      await prefetchWorker?.close();
    },
  };
}
