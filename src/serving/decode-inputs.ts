import { decodeImage } from '../datasets/formats/index.ts';
import type { ModelSignature } from '../domain/model.ts';
import type { KilnError } from '../domain/errors.ts';
import { encodeRecord } from './feature-columns.ts';
import { servingErrors } from './errors.ts';
import { writeFlat, writeNestedRow, type ValueRule } from './fast-rows.ts';
import { FlatTensor } from './flat-tensor.ts';
import { imageGeometry, preprocessingFor } from './preprocessing.ts';
import type { DecodedBatch, InputPreprocessing, Preprocessing } from './types.ts';

/** A predict request body in either of TensorFlow Serving's two forms. */
export type PredictBody = { instances: unknown } | { inputs: unknown };

interface InputPlan {
  name: string;
  dtype: string;
  /** Shape of one row; `null` dims are taken from the first instance. */
  rowShape: (number | null)[];
  pre: InputPreprocessing;
  image?: { size: [number, number]; channels: 1 | 3 };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof FlatTensor);
const isB64 = (v: unknown): v is { b64: string } =>
  isPlainObject(v) && typeof v.b64 === 'string' && Object.keys(v).length === 1;

/** The shape a JSON value has (following first elements), for "given" in error messages. */
function describeValue(value: unknown): string {
  if (typeof value === 'number') return 'a number (shape [])';
  if (value instanceof FlatTensor) return `shape [${value.shape.join(', ')}]`;
  if (isB64(value)) return 'a base64 image';
  if (!Array.isArray(value))
    return value === null ? 'null' : `a ${typeof value === 'object' ? 'object' : typeof value}`;
  const shape: number[] = [];
  let v: unknown = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return `shape [${shape.join(', ')}]`;
}

const formatShape = (shape: (number | null)[]) => `[${shape.map((d) => d ?? 'any').join(', ')}]`;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An input that feeds an Embedding: its values are row indices into a table of `inputDim` rows. */
export interface IndexBound {
  inputDim: number;
  layer: string;
}

/**
 * Checks the values of inputs that feed an Embedding against its input_dim, as TensorFlow does
 * ("indices[0,0] = 1000 is not in [0, 10)"): out of range, tfjs's gather throws at run time, which
 * would fail every request batched with this one and answer 500 for a bad input. Runs on the decoded
 * (preprocessed) values, which are what the layer sees; the embedding truncates them to integers.
 */
export function checkIndices(
  decoded: { count: number; inputs: Float32Array[]; rowShapes: number[][]; paths: Array<(row: number) => string> },
  bounds: Array<IndexBound | undefined>,
  names: string[],
): void {
  bounds.forEach((bound, i) => {
    if (!bound) return;
    const data = decoded.inputs[i]!;
    const rowShape = decoded.rowShapes[i]!;
    const rowSize = rowShape.reduce((a, b) => a * b, 1);
    for (let k = 0; k < data.length; k++) {
      const index = Math.trunc(data[k]!);
      if (index >= 0 && index < bound.inputDim) continue;
      const row = Math.floor(k / rowSize);
      // The element's position within its row, as nested indices.
      const at = rowShape.map((_, d) => Math.floor((k % rowSize) / strides(rowShape)[d]!) % rowShape[d]!);
      throw servingErrors.invalidInput(
        `${decoded.paths[i]!(row)}${at.map((j) => `[${j}]`).join('')}`,
        `indices[${[row, ...at].join(',')}] = ${index} is not in [0, ${bound.inputDim}) (input "${names[i]}" feeds Embedding "${bound.layer}" with input_dim ${bound.inputDim})`,
        { input: names[i], inputDim: bound.inputDim, given: index },
      );
    }
  });
}

/**
 * Turns a predict body (row format `instances` or columnar `inputs`) into one float buffer per model
 * input, validating rank, shape, type and finiteness, decoding `{"b64": ...}` images and applying the
 * model's recorded preprocessing. Errors say what was expected and what was given.
 */
export function decodeInputs(
  body: PredictBody,
  signature: ModelSignature,
  preprocessing: Preprocessing | null,
  maxInstances: number,
): DecodedBatch & { rowShapes: number[][]; paths: Array<(row: number) => string> } {
  const plans: InputPlan[] = signature.inputs.map((input) => {
    const pre = preprocessingFor(preprocessing, input.name);
    const rowShape = input.shape.slice(1);
    return { name: input.name, dtype: input.dtype, rowShape, pre, image: imageGeometry(rowShape, pre) };
  });
  const rows = 'instances' in body;
  const columns = rows ? rowsToColumns(body.instances, plans) : columnsOf(body.inputs, plans);
  const count = columns[0]!.flat?.count ?? columns[0]!.values.length;
  if (count > maxInstances) throw servingErrors.tooManyInstances(rows ? 'instances' : 'inputs', count, maxInstances);
  if (count === 0)
    throw servingErrors.invalidInput(rows ? 'instances' : 'inputs', 'no instances given: send at least one');
  const rowShapes: number[][] = [];
  const inputs = plans.map((plan, i) => {
    const column = columns[i]!;
    const rowCount = column.flat ? column.flat.count : column.values.length;
    if (rowCount !== count) {
      throw servingErrors.invalidInput(
        rows ? 'instances' : `inputs.${plan.name}`,
        `input "${plan.name}" has ${rowCount} rows but "${plans[0]!.name}" has ${count}; every input needs one row per instance`,
      );
    }
    const rowShape = column.flat
      ? flatRowShape(plan, column.flat, column.path(0))
      : concreteShape(plan, column.values[0], column.path(0));
    rowShapes.push(rowShape);
    const rowSize = rowShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count * rowSize);
    const rule: ValueRule = {
      integer: plan.dtype === 'int32',
      scale: plan.pre.scale ?? 1,
      shift: plan.pre.offset ?? 0,
    };
    if (column.flat) {
      const refused = writeFlat(column.flat.data, rule, out);
      if (refused >= 0) throw flatValueError(plan, column.flat.data[refused], refused, rowShape, column.path);
    } else {
      const rowStrides = strides(rowShape);
      for (let r = 0; r < count; r++) {
        const value = column.values[r];
        // The fast copy takes every well-formed row; any other is walked again to say what is wrong.
        if (isB64(value) || !writeNestedRow(value, rowShape, rowStrides, rule, out, r * rowSize))
          writeValues(value, plan, rowShape, out, r * rowSize, column.path(r));
      }
    }
    for (let r = 0; r < count; r++) standardize(plan, out, r * rowSize);
    return out;
  });
  return { count, inputs, rowShapes, paths: columns.map((c) => c.path) };
}

/** The row shape of a flat tensor, checked against the input's (its free dims take the tensor's). */
function flatRowShape(plan: InputPlan, tensor: FlatTensor, path: string): number[] {
  const rowShape = tensor.shape.slice(1);
  const fits =
    rowShape.length === plan.rowShape.length && plan.rowShape.every((d, k) => d === null || d === rowShape[k]);
  if (!fits) throw shapeError(plan, plan.rowShape, undefined, path, `shape [${rowShape.join(', ')}]`);
  return rowShape;
}

/** The 400 for a flat tensor's refused element, named by row and position as a nested body would be. */
function flatValueError(
  plan: InputPlan,
  value: unknown,
  k: number,
  rowShape: number[],
  path: (row: number) => string,
): KilnError {
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const at = rowShape.map((_, d) => Math.floor((k % rowSize) / strides(rowShape)[d]!) % rowShape[d]!);
  return valueError(plan, value, `${path(Math.floor(k / rowSize))}${at.map((j) => `[${j}]`).join('')}`)!;
}

interface Column {
  values: unknown[];
  /** Set instead of values when the input came as a flat tensor. */
  flat?: FlatTensor;
  path: (row: number) => string;
}

/** Row format: each instance is the value of the only input, or an object naming every input. */
function rowsToColumns(instances: unknown, plans: InputPlan[]): Column[] {
  if (instances instanceof FlatTensor) {
    // Number rows, read flat by the body scanner: the rows of the only input (rows of several are objects).
    if (plans.length > 1 && instances.count === 0) return plans.map(() => ({ values: [], path: () => 'instances' }));
    if (plans.length > 1)
      throw servingErrors.invalidInput(
        'instances[0]',
        `expected an object with the inputs ${plans.map((p) => `"${p.name}"`).join(', ')}, given shape [${instances.shape.slice(1).join(', ')}]`,
      );
    return [{ values: [], flat: instances, path: (r) => `instances[${r}]` }];
  }
  if (!Array.isArray(instances))
    throw servingErrors.invalidInput(
      'instances',
      `must be a JSON array of instances, given ${describeValue(instances)}`,
    );
  // A model trained on a CSV with categorical columns takes records {column: value}, encoded as training did.
  const columns = plans.length === 1 ? plans[0]!.pre.columns : undefined;
  if (columns) {
    const path = (r: number) => `instances[${r}]`;
    const values = instances.map((instance, r) =>
      isPlainObject(instance) && !isB64(instance) ? encodeRecord(instance, columns, path(r)) : instance,
    );
    return [{ values, path }];
  }
  const named = plans.length > 1 || instances.some((instance) => isPlainObject(instance) && !isB64(instance));
  if (!named) return [{ values: instances, path: (r) => `instances[${r}]` }];
  instances.forEach((instance, r) => {
    if (!isPlainObject(instance) || isB64(instance)) {
      throw servingErrors.invalidInput(
        `instances[${r}]`,
        `expected an object with the inputs ${plans.map((p) => `"${p.name}"`).join(', ')}, given ${describeValue(instance)}`,
      );
    }
    checkNames(Object.keys(instance), plans, `instances[${r}]`);
  });
  return plans.map((plan) => ({
    values: instances.map((instance) => (instance as Record<string, unknown>)[plan.name]),
    path: (r) => `instances[${r}].${plan.name}`,
  }));
}

/** Columnar format: one batch-major value for the only input, or an object of them by input name. */
function columnsOf(inputs: unknown, plans: InputPlan[]): Column[] {
  const named = plans.length > 1 || (isPlainObject(inputs) && !isB64(inputs) && !(inputs instanceof FlatTensor));
  if (!named) {
    if (inputs instanceof FlatTensor) return [{ values: [], flat: inputs, path: (r) => `inputs[${r}]` }];
    if (!Array.isArray(inputs))
      throw servingErrors.invalidInput(
        'inputs',
        `must be an array with one row per instance, given ${describeValue(inputs)}`,
      );
    return [{ values: inputs, path: (r) => `inputs[${r}]` }];
  }
  if (!isPlainObject(inputs)) {
    throw servingErrors.invalidInput(
      'inputs',
      `must be an object with the inputs ${plans.map((p) => `"${p.name}"`).join(', ')}, given ${describeValue(inputs)}`,
    );
  }
  checkNames(Object.keys(inputs), plans, 'inputs');
  return plans.map((plan) => {
    const values = inputs[plan.name];
    const path = (r: number) => `inputs.${plan.name}[${r}]`;
    if (values instanceof FlatTensor) return { values: [], flat: values, path };
    if (!Array.isArray(values))
      throw servingErrors.invalidInput(
        `inputs.${plan.name}`,
        `must be an array with one row per instance, given ${describeValue(values)}`,
      );
    return { values, path };
  });
}

function checkNames(given: string[], plans: InputPlan[], where: string): void {
  const expected = plans.map((p) => p.name);
  const unknown = given.filter((name) => !expected.includes(name));
  const missing = expected.filter((name) => !given.includes(name));
  if (unknown.length || missing.length) {
    throw servingErrors.invalidInput(
      where,
      `expected the inputs ${expected.map((n) => `"${n}"`).join(', ')}, given ${given.map((n) => `"${n}"`).join(', ') || 'none'}` +
        (missing.length ? ` (missing ${missing.join(', ')})` : '') +
        (unknown.length ? ` (unknown ${unknown.join(', ')})` : ''),
      { expected, given },
    );
  }
}

/** The row shape with `null` dims filled from the first instance (all others must then match it). */
function concreteShape(plan: InputPlan, first: unknown, path: string): number[] {
  if (plan.rowShape.every((d) => d !== null)) return plan.rowShape as number[];
  if (isB64(first))
    throw servingErrors.invalidInput(
      path,
      `input "${plan.name}" has shape ${formatShape(plan.rowShape)} and takes no images`,
    );
  const shape: number[] = [];
  let v: unknown = first;
  for (const d of plan.rowShape) {
    if (!Array.isArray(v)) break;
    shape.push(d ?? v.length);
    v = v[0];
  }
  if (shape.length !== plan.rowShape.length) throw shapeError(plan, plan.rowShape, first, path);
  return shape;
}

function shapeError(
  plan: InputPlan,
  rowShape: (number | null)[],
  given: unknown,
  path: string,
  described = describeValue(given),
): KilnError {
  return servingErrors.invalidInput(
    path,
    `input "${plan.name}" expects rank ${rowShape.length}, shape ${formatShape(rowShape)} (without the batch dimension), given ${described}`,
    { input: plan.name, expected: rowShape, given: described },
  );
}

/** Standardizes one written row in place, when the model was trained on standardized features. */
function standardize(plan: InputPlan, out: Float32Array, offset: number): void {
  const { mean, std } = plan.pre;
  if (mean && std) {
    // As training did it (engine/data/preprocess.ts): the statistics of the training set, per feature.
    for (let k = 0; k < mean.length; k++) out[offset + k] = (out[offset + k]! - mean[k]!) / std[k]!;
  }
}

function writeValues(
  value: unknown,
  plan: InputPlan,
  rowShape: number[],
  out: Float32Array,
  offset: number,
  path: string,
): void {
  const scale = plan.pre.scale ?? 1;
  const shift = plan.pre.offset ?? 0;
  if (isB64(value)) {
    if (!plan.image)
      throw servingErrors.invalidInput(
        path,
        `input "${plan.name}" has shape ${formatShape(plan.rowShape)} and takes no images`,
      );
    const pixels = decodeB64Image(value.b64, plan.image, path);
    if (pixels.length !== rowShape.reduce((a, b) => a * b, 1)) {
      throw servingErrors.invalidInput(
        path,
        `the image decodes to ${pixels.length} values but input "${plan.name}" expects shape ${formatShape(rowShape)}`,
      );
    }
    for (let i = 0; i < pixels.length; i++) out[offset + i] = pixels[i]! * scale + shift;
    return;
  }
  // Walks the nested arrays against the expected shape, writing in row-major order.
  const walk = (v: unknown, dim: number, at: number, where: string): void => {
    if (dim === rowShape.length) {
      const error = valueError(plan, v, where);
      if (error) throw error;
      out[at] = Math.fround((v as number) * scale + shift);
      return;
    }
    if (!Array.isArray(v) || v.length !== rowShape[dim]) throw shapeError(plan, rowShape, value, path);
    const stride = strides(rowShape)[dim]!;
    for (let i = 0; i < v.length; i++) walk(v[i], dim + 1, at + i * stride, `${where}[${i}]`);
  };
  walk(value, 0, offset, path);
}

/** Why a value cannot be one element of the input (undefined when it can): the message names `where`. */
function valueError(plan: InputPlan, v: unknown, where: string): KilnError | undefined {
  if (typeof v !== 'number')
    return servingErrors.invalidInput(
      where,
      `expected a number (input "${plan.name}" is ${plan.dtype}), given ${describeValue(v)}`,
    );
  if (!Number.isFinite(v)) return servingErrors.invalidInput(where, `${v} is not a finite number`);
  const integer = plan.dtype === 'int32';
  if (integer && !Number.isInteger(v))
    return servingErrors.invalidInput(where, `input "${plan.name}" is int32, given ${v}`);
  // The int32 tensor would wrap it around silently.
  if (integer && (v < INT32_MIN || v > INT32_MAX))
    return servingErrors.invalidInput(where, `${v} is out of int32 range`);
  const x = Math.fround(v * (plan.pre.scale ?? 1) + (plan.pre.offset ?? 0));
  if (!Number.isFinite(x)) return servingErrors.invalidInput(where, `${v} is out of float32 range`);
  return undefined;
}

const strideCache = new Map<string, number[]>();
function strides(shape: number[]): number[] {
  const key = shape.join(',');
  let s = strideCache.get(key);
  if (!s) {
    s = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    strideCache.set(key, s);
  }
  return s;
}

function decodeB64Image(b64: string, geometry: { size: [number, number]; channels: 1 | 3 }, path: string): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) throw servingErrors.invalidInput(`${path}.b64`, 'empty or not base64');
  try {
    return decodeImage(bytes, geometry);
  } catch (error) {
    throw servingErrors.invalidInput(`${path}.b64`, (error as Error).message);
  }
}
