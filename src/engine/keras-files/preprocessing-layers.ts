import type { ExportGraph, ExportLayer, TensorRef } from './export-graph.ts';
import { tensorKey } from './export-graph.ts';
import { KerasFileError } from './keras-file-error.ts';

// Kiln registers a model with the preprocessing its training applied (`{scale}` or per-feature
// `{mean, std}`, see engine/data/preprocess.ts and serving/types.ts) and serving applies it before
// predict. A Keras file has no such side channel, so the export can put it into the model: a
// Rescaling(scale, offset) layer and/or a Normalization(mean, variance) layer right after the input,
// so the exported model computes on raw inputs what Kiln's predict computes.

/** The same fields as serving's InputPreprocessing: x * scale + offset, then (x - mean) / std per feature. */
export interface InputPreprocessing {
  scale?: number;
  offset?: number;
  /** Per-feature statistics in row-major order of the input row (one per value of a sample). */
  mean?: number[];
  std?: number[];
}

/** Model-wide preprocessing, optionally overridden per input name (as Kiln's registry stores it). */
export type ExportPreprocessing = InputPreprocessing & { inputs?: Record<string, InputPreprocessing> };

function nest(values: number[], shape: number[]): unknown {
  if (shape.length <= 1) return values;
  const step = values.length / (shape[0] as number);
  return Array.from({ length: shape[0] as number }, (_, i) =>
    nest(values.slice(i * step, (i + 1) * step), shape.slice(1)),
  );
}

function uniqueName(graph: ExportGraph, base: string): string {
  const taken = new Set(graph.layers.map((l) => l.name));
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}

function layersFor(input: string, row: number[], p: InputPreprocessing, graph: ExportGraph): ExportLayer[] {
  const out: ExportLayer[] = [];
  const add = (tfjsClass: string, base: string, args: Record<string, unknown>) => {
    const name = uniqueName({ ...graph, layers: [...graph.layers, ...out] }, `${input}_${base}`);
    out.push({ name, tfjsClass, tfjsConfig: { name, trainable: true, ...args }, nodes: [], weights: [] });
  };
  if (p.scale !== undefined || p.offset !== undefined)
    add('Rescaling', 'rescaling', { scale: p.scale ?? 1, offset: p.offset ?? 0 });
  if (p.mean !== undefined || p.std !== undefined) {
    const size = row.reduce((a, b) => a * b, 1);
    if (p.mean?.length !== size || p.std?.length !== size) {
      throw new KerasFileError(
        'invalid_config',
        `preprocessing of input "${input}": mean and std need ${size} values each (one per value of a ${JSON.stringify(row)} row)`,
        input,
      );
    }
    // Normalization keeps every axis but the batch one, so its statistics take the row's own shape.
    const axis = row.map((_, i) => i + 1);
    add('Normalization', 'normalization', {
      axis,
      mean: nest(p.mean, row),
      variance: nest(
        p.std.map((s) => s * s),
        row,
      ),
      invert: false,
    });
  }
  return out;
}

/** Puts preprocessing layers between each float input and the layers that consumed it. */
export function insertPreprocessing(graph: ExportGraph, preprocessing: ExportPreprocessing): void {
  const { inputs: perInput, ...shared } = preprocessing;
  for (const [input] of graph.inputs) {
    const tensor = graph.tensors.get(tensorKey(input, 0));
    if (!tensor || tensor.dtype !== 'float32') continue;
    const row = tensor.shape.slice(1);
    if (row.some((d) => d === null)) continue;
    const added = layersFor(input, row as number[], { ...shared, ...perInput?.[input] }, graph);
    if (added.length === 0) continue;
    let source: TensorRef = [input, 0, 0];
    for (const layer of added) {
      layer.nodes = [[source]];
      graph.tensors.set(tensorKey(layer.name, 0), tensor);
      source = [layer.name, 0, 0];
    }
    const rewire = (r: TensorRef): TensorRef => (r[0] === input ? source : r);
    for (const layer of graph.layers) layer.nodes = layer.nodes.map((node) => node.map(rewire));
    graph.outputs = graph.outputs.map(rewire);
    graph.layers.push(...added);
  }
}
