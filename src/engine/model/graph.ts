import type { Issue } from '../../domain/errors.ts';
import type { Shape } from './types.ts';

/** A reference to another tensor by name, remembered with where it was written for error paths. */
export interface Ref {
  name: string;
  path: string;
}

/** A model input. */
export interface GraphInput {
  name: string;
  shape: Shape;
  dtype: 'float32' | 'int32';
  path: string;
}

/** A layer as written in the spec, before its type and arguments are checked. */
export interface LayerEntry {
  name: string;
  type: string;
  typePath: string;
  /** Layer arguments exactly as written (structural keys such as name and inputs removed). */
  rawArgs: Record<string, unknown>;
  argsPath: string;
  /** JSON path of the whole layer object. */
  path: string;
}

/** One application of a layer in the graph. */
export interface GraphNode extends LayerEntry {
  inputs: Ref[];
  inputsPath: string;
  /** Set when this node reuses the layer (weights) of another node. */
  shares?: Ref;
}

/** The three spec forms reduced to one shape: inputs, layer applications and outputs, all by name. */
export interface ModelGraph {
  name: string;
  /** Sequential models list no input rows or connections in their summary, like Keras. */
  sequential: boolean;
  /** Keras documents carry fields Kiln ignores when they are null or false. */
  lenient: boolean;
  inputs: GraphInput[];
  nodes: GraphNode[];
  outputs: Ref[];
}

export type ParseResult = { graph: ModelGraph; issues: Issue[] } | { graph?: undefined; issues: Issue[] };

/** True for plain JSON objects. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys for an input's shape, with whether they include the batch axis. */
export const INPUT_SHAPE_KEYS: Record<string, boolean> = {
  inputShape: false,
  input_shape: false,
  shape: false,
  batchInputShape: true,
  batch_input_shape: true,
  batchShape: true,
  batch_shape: true,
};

/** Reads a shape list (without batch); returns undefined if malformed. */
export function readShape(value: unknown, withBatch: boolean): Shape | undefined {
  if (!Array.isArray(value)) return undefined;
  const dims = withBatch ? value.slice(1) : value;
  if (withBatch && value.length === 0) return undefined;
  const ok = dims.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && d > 0));
  return ok ? (dims as Shape) : undefined;
}

/** Maps an input dtype to what tfjs supports; int64 token ids become int32. */
export function readInputDtype(value: unknown): 'float32' | 'int32' | undefined {
  if (value === undefined || value === null || value === 'float32') return 'float32';
  if (value === 'int32' || value === 'int64') return 'int32';
  return undefined;
}
