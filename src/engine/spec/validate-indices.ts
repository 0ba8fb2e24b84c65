import type { Issue } from '../../domain/errors.ts';
import type { ModelSummary } from '../model/types.ts';

/** An input that feeds an Embedding directly: its values are row indices of that layer's table. */
export interface IndexInput {
  layer: string;
  inputDim: number;
}

/**
 * The model inputs that feed an Embedding directly, with the smallest input_dim among those layers.
 * The summary keeps no layer arguments, but an Embedding has no bias: its params are exactly
 * input_dim × output_dim, and output_dim is its output's last axis. (A layer sharing another's
 * weights counts none; the other one is found too.)
 */
export function embeddingInputs(summary: ModelSummary): Map<string, IndexInput> {
  const byInput = new Map<string, IndexInput>();
  const inputNames = new Set(summary.inputs.map((i) => i.name));
  const firstLayer = summary.layers.find((l) => l.type !== 'InputLayer');
  for (const layer of summary.layers) {
    const outputDim = layer.outputShape.at(-1);
    if (layer.type !== 'Embedding' || layer.params === 0 || !outputDim) continue;
    const inputDim = layer.params / outputDim;
    // Sequential layers name no inputs: only the first one reads the model's input.
    const fed = layer.inputs
      ? layer.inputs.filter((n) => inputNames.has(n))
      : layer === firstLayer
        ? [summary.inputs[0]!.name]
        : [];
    for (const name of fed) {
      const known = byInput.get(name);
      if (!known || inputDim < known.inputDim) byInput.set(name, { layer: layer.name, inputDim });
    }
  }
  return byInput;
}

/**
 * Inline values fed to an Embedding must be whole numbers in [0, input_dim), as Keras (TensorFlow's
 * gather) requires: otherwise the run fails in the worker with TensorFlow.js's "GatherV2: the index
 * value 100 is not in [0, 9]". The first offending value is named.
 */
export function checkIndices(data: unknown, input: IndexInput, path: string): Issue[] {
  const bad = firstNonIndex(data, input.inputDim);
  if (!bad) return [];
  return [
    {
      path,
      message: `${bad.at}: ${bad.value} is not an index of Embedding "${input.layer}" (input_dim ${input.inputDim}): its inputs must be whole numbers in [0, ${input.inputDim})`,
    },
  ];
}

/**
 * The first number of nested arrays (shapes already checked: numbers only) that is not a whole number
 * in [0, limit): an Embedding's index, a sparse label's class. `at` is its position (`[3][1]`), and
 * `sample` its first index.
 */
export function firstNonIndex(data: unknown, limit: number): { value: number; at: string; sample: number } | undefined {
  const stack: Array<{ value: unknown; at: number[] }> = [{ value: data, at: [] }];
  while (stack.length) {
    const { value, at } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], at: [...at, i] });
    } else if (typeof value === 'number' && !(Number.isInteger(value) && value >= 0 && value < limit)) {
      return { value, at: at.map((i) => `[${i}]`).join(''), sample: at[0] ?? 0 };
    }
  }
  return undefined;
}
