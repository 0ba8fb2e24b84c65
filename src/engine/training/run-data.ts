import { rm } from 'node:fs/promises';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { loadBuiltinDataset } from '../../datasets/builtin.ts';
import { openStoredDataset, type OpenedSplit } from '../../datasets/storage.ts';
import type { ResolvedDataset } from '../../queue/contracts.ts';
import { PrefetchWorker, resolvePreprocess, SampleStore, type LabelEncoding } from '../data/index.ts';
import type { Preprocessing } from '../data/preprocess.ts';
import { scratchDir } from '../data/scratch-dirs.ts';
import { SpecError } from '../errors.ts';
import { isInline, type DatasetRef, type RunSpec } from '../spec/run-spec.ts';
import { heldOutRows } from '../spec/splits.ts';
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
  /** The sha256 of a built-in dataset's files as loaded, for the run to record (the api cannot know it). */
  datasetSha256?: string;
  dispose(): Promise<void>;
}

export interface RunDataDeps {
  artifacts: ArtifactStore;
  dataDir: string;
  datasetMirror?: string;
  /**
   * A stored split whose features take more bytes than this is not loaded: it is copied to a file under
   * dataDir/tmp (a scratch directory, see scratch-dirs.ts) and read a row at a time (default 256 MB).
   */
  inMemoryDatasetBytes?: number;
}

/** Past this, a stored dataset's features stay on disk during training. */
export const DEFAULT_IN_MEMORY_DATASET_BYTES = 256 * 1024 * 1024;

/** What streamedData trains on: a stored dataset as opened, or a built-in one. */
interface OpenedDataset {
  splits: Partial<Record<'train' | 'test', OpenedSplit>>;
  classes?: string[];
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
  if (resolved.kind === 'stored') return storedData(spec, spec.dataset, resolved.prefix, model, heads, deps);
  const builtin = await loadBuiltinDataset(resolved.name, { dataDir: deps.dataDir, mirror: deps.datasetMirror });
  return { ...streamedData(spec, spec.dataset, builtin, model, heads), datasetSha256: builtin.sha256 };
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

/** A stored dataset: large features are read from a local copy, removed again by dispose(). */
async function storedData(spec: RunSpec, ref: DatasetRef, prefix: string, model: ModelIO, heads: OutputHead[], deps: RunDataDeps): Promise<RunData> {
  const localDir = scratchDir(deps.dataDir, 'run-data');
  const removeLocal = () => rm(localDir, { recursive: true, force: true });
  try {
    const opened = await openStoredDataset(deps.artifacts, prefix, { localDir, inMemoryLimitBytes: deps.inMemoryDatasetBytes ?? DEFAULT_IN_MEMORY_DATASET_BYTES });
    const data = streamedData(spec, ref, opened, model, heads);
    return {
      ...data,
      async dispose() {
        await data.dispose();
        await removeLocal();
      },
    };
  } catch (error) {
    await removeLocal();
    throw error;
  }
}

/** Row indices [from, to) as an index list. */
const range = (from: number, to: number) => Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

function labelEncoding(ref: DatasetRef, head: OutputHead, outputUnits: number): LabelEncoding {
  const kind = ref.labels ?? (head.lossName === 'sparseCategoricalCrossentropy' ? 'sparse' : head.lossName === 'categoricalCrossentropy' ? 'oneHot' : 'raw');
  return kind === 'oneHot' ? { kind, numClasses: outputUnits } : { kind };
}

function streamedData(spec: RunSpec, ref: DatasetRef, parsed: OpenedDataset, model: ModelIO, heads: OutputHead[]): RunData {
  if (model.inputNames.length !== 1 || heads.length !== 1) {
    throw new SpecError('registered datasets feed models with one input and one output; use inline data for several', 'model');
  }
  const trainSplit: OpenedSplit | undefined = parsed.splits.train ?? parsed.splits.test;
  if (!trainSplit) throw new SpecError(`dataset "${ref.id}" holds no samples`, 'dataset.id');
  const rows = Math.min(trainSplit.x.shape[0]!, ref.limit ?? Infinity);
  // The dataset's own test split is the test set; else the last testSplit of its rows, counted as
  // Keras counts validation_split (splits.ts: the same counts as inline data and the api's check).
  const heldOutTest = parsed.splits.train && parsed.splits.test ? 0 : heldOutRows(rows, ref.testSplit);
  const trainRows = rows - heldOutTest;
  const valRows = heldOutRows(trainRows, ref.validationSplit ?? spec.fit.validationSplit);
  const store = (split: OpenedSplit, indices: Int32Array) => new SampleStore({ x: split.x, y: split.y, indices });
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
      // File-backed stores hold their file open.
      for (const s of [train, validation, test]) s?.close();
    },
  };
}
