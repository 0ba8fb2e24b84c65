import * as tf from '@tensorflow/tfjs';
import type { FileArray, NdArray } from '../../domain/arrays.ts';
import type { OpenedNamedSplits } from '../../domain/dataset.ts';
import { KilnError } from '../../domain/errors.ts';
import { mappedArrays } from '../../domain/run-spec/array-mapping.ts';
import type { DatasetRef, RunSpec } from '../../domain/run-spec/schema.ts';
import { ArrayRows, epochOrder } from '../data/index.ts';
import type { BatchSource } from './batch-source.ts';
import { datasetRows, rowIndices } from './dataset-rows.ts';
import type { OutputHead } from './heads.ts';
import type { RunData } from './run-data.ts';

/** What the model takes and gives, by name, and its outputs' shapes (without the batch axis), in the model's order. */
export interface NamedModelIO {
  inputNames: string[];
  outputNames: string[];
  outputShapes: number[][];
}

/** How one output's targets reach the loss: as stored, or class indices turned into one-hot rows. */
type Target = { rows: ArrayRows; oneHot?: number; shape: number[] };

/**
 * A run's data from a dataset of named arrays: each model input and output reads the array the
 * run maps to it (by name, dataset.inputs / dataset.outputs), split as any stored dataset is
 * (dataset-rows.ts), and batched in the same seeded order as inline data, so the same arrays given
 * inline or uploaded train the same.
 */
export function namedArraysData(
  spec: RunSpec,
  ref: DatasetRef,
  arrays: OpenedNamedSplits,
  model: NamedModelIO,
  heads: OutputHead[],
  /** The arrays of the run's validationData and testData, each read whole instead of a split. */
  heldOut: { validation?: Record<string, NdArray | FileArray>; test?: Record<string, NdArray | FileArray> } = {},
): RunData {
  const trainArrays = arrays.train ?? arrays.test;
  if (!trainArrays) throw KilnError.invalidSpec(`dataset "${ref.id}" holds no samples`, 'dataset.id');
  const inputNames = mappedArrays(ref, 'inputs', model.inputNames);
  const outputNames = mappedArrays(ref, 'outputs', model.outputNames);
  const pick = (split: Record<string, NdArray | FileArray>, names: string[], side: 'inputs' | 'outputs') =>
    names.map((arrayName, i) => {
      const array = split[arrayName];
      const modelName = (side === 'inputs' ? model.inputNames : model.outputNames)[i]!;
      if (!array)
        throw KilnError.field(
          `dataset.${side}.${modelName}`,
          `dataset "${ref.id}" has no array "${arrayName}" (it has ${Object.keys(split).join(', ')})`,
          'invalid_spec',
        );
      return new ArrayRows(array);
    });
  const open = (split: Record<string, NdArray | FileArray>) => {
    const xs = pick(split, inputNames, 'inputs');
    const ys = pick(split, outputNames, 'outputs').map((rows, i) => target(rows, heads[i]!, model.outputShapes[i]!));
    return { xs, ys };
  };
  const trainSide = open(trainArrays);
  // Keras' sample_weight weighs the training rows only (validation and test are scored unweighted).
  const weightArray = ref.sampleWeight === undefined ? undefined : trainArrays[ref.sampleWeight];
  if (ref.sampleWeight !== undefined && !weightArray)
    throw KilnError.field(
      'dataset.sampleWeight',
      `dataset "${ref.id}" has no array "${ref.sampleWeight}"`,
      'invalid_spec',
    );
  const weights = weightArray && new ArrayRows(weightArray);
  const ownTest = arrays.train && arrays.test ? open(arrays.test) : undefined;
  const heldOutValidation = heldOut.validation && open(heldOut.validation);
  const heldOutTest = heldOut.test && open(heldOut.test);
  const rows = Math.min(trainSide.xs[0]!.rows, ref.limit ?? Infinity);
  const split = datasetRows(spec, ref, rows, ownTest !== undefined || heldOutTest !== undefined);
  const source = (side: typeof trainSide, indices: Int32Array) => namedSource(side.xs, side.ys, indices);
  const all = (side: typeof trainSide) => source(side, rowIndices({ from: 0, to: side.xs[0]!.rows }));
  const test = heldOutTest
    ? all(heldOutTest)
    : split.test === 'own'
      ? all(ownTest!)
      : split.test && source(trainSide, rowIndices(split.test));
  return {
    train: namedSource(trainSide.xs, trainSide.ys, rowIndices(split.train), weights),
    validation: heldOutValidation
      ? all(heldOutValidation)
      : split.validation && source(trainSide, rowIndices(split.validation)),
    test,
    async dispose() {
      weights?.close();
      for (const side of [trainSide, ownTest, heldOutValidation, heldOutTest]) {
        for (const rows of [...(side?.xs ?? []), ...(side?.ys ?? []).map((t) => t.rows)]) rows.close();
      }
    },
  };
}

/**
 * Class indices (one per sample) become one-hot rows for categorical crossentropy, as Kiln does for
 * any dataset; targets already of the output's shape are fed as stored.
 */
function target(rows: ArrayRows, head: OutputHead, outputShape: number[]): Target {
  const units = outputShape.at(-1) ?? 1;
  if (head.lossName === 'categoricalCrossentropy' && rows.rowSize === 1 && units > 1)
    return { rows, oneHot: units, shape: [units] };
  // A scalar per sample for a one-unit output is that unit's value (Keras' y of shape (n,) for (n, 1)):
  // fed as [n] it would broadcast against the [n, 1] prediction into an [n, n] loss.
  if (head.lossName !== 'sparseCategoricalCrossentropy' && rows.rowSize === 1 && outputShape.length === 1)
    return { rows, shape: [1] };
  return { rows, shape: rows.rowShape };
}

/** Batches gathered row by row from the mapped arrays, in the epoch's seeded order. */
// Samples keep their stored shape: the api has checked it against the model's (whose may hold nulls).
function namedSource(xs: ArrayRows[], ys: Target[], indices: Int32Array, weights?: ArrayRows): BatchSource {
  const size = indices.length;
  return {
    size,
    async *batches({ epoch, startBatch, batchSize, shuffle, seed }) {
      const order = epochOrder(size, shuffle, seed, epoch);
      for (let start = startBatch * batchSize; start < size; start += batchSize) {
        const n = Math.min(batchSize, size - start);
        const rowOf = (j: number) => indices[order[start + j]!]!;
        const inputs = xs.map((rows) => {
          const buffer = new Float32Array(n * rows.rowSize);
          for (let j = 0; j < n; j++) rows.copyRow(rowOf(j), buffer, j * rows.rowSize);
          return tf.tensor(buffer, [n, ...rows.rowShape], 'float32');
        });
        const targets = ys.map(({ rows, oneHot, shape }) => {
          const width = oneHot ?? rows.rowSize;
          const buffer = new Float32Array(n * width);
          for (let j = 0; j < n; j++) {
            if (oneHot) buffer[j * width + oneHotIndex(rows, rowOf(j), oneHot)] = 1;
            else rows.copyRow(rowOf(j), buffer, j * width);
          }
          return tf.tensor(buffer, [n, ...shape], 'float32');
        });
        const sampleWeight =
          weights && tf.tensor1d(Float32Array.from({ length: n }, (_, j) => weights.first(rowOf(j))));
        yield { xs: inputs, ys: targets, size: n, ...(sampleWeight ? { sampleWeight } : {}) };
      }
    },
    dispose() {},
  };
}

function oneHotIndex(rows: ArrayRows, row: number, classes: number): number {
  const label = rows.first(row);
  if (!Number.isInteger(label) || label < 0 || label >= classes)
    throw new Error(`row ${row} has label ${label}, not a class index in [0, ${classes})`);
  return label;
}
