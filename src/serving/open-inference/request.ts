import { KilnError } from '../../domain/errors.ts';
import type { ModelSignature } from '../../domain/model.ts';
import type { PredictBody } from '../decode-inputs.ts';
import { FlatTensor } from '../flat-tensor.ts';

// KServe's Open Inference Protocol (v2), REST: the infer request as JSON, and with the binary tensor data
// extension (Triton's): the body is a JSON header of `Inference-Header-Content-Length` bytes followed by
// the raw bytes of every input whose parameters give a `binary_data_size`, in the order of `inputs`.

/** The datatypes Kiln takes: numbers as floats, integers, image pixels; BYTES for encoded images (PNG, JPEG). */
const NUMERIC = { FP32: 4, INT32: 4, UINT8: 1 } as const;
type Numeric = keyof typeof NUMERIC;
const DATATYPES = [...Object.keys(NUMERIC), 'BYTES'];

interface InferInput {
  name: string;
  shape: number[];
  datatype: string;
  data?: unknown;
  parameters?: { binary_data_size?: number };
}

/** What the client asked for besides the inputs: its id, and which outputs, in binary or JSON. */
export interface InferOptions {
  id?: string;
  /** The outputs asked for (all when absent), each with whether its data is wanted in binary. */
  outputs?: { name: string; binary: boolean }[];
  /** `parameters.binary_data_output`: every output in binary unless it says otherwise. */
  binaryByDefault: boolean;
}

/**
 * The names clients use for a model's tensors: the registered ones, or `input_0`, `output_0`… where the
 * registry has none (a Sequential model's input may be unnamed). Metadata, requests and responses agree.
 */
export const tensorNames = (tensors: ModelSignature['inputs'], kind: 'input' | 'output'): string[] =>
  tensors.map((t, i) => t.name || `${kind}_${i}`);

/** A 400 in the protocol's wording: `{"error": message}` (the path rides along for Kiln's logs). */
export const inferError = (path: string, message: string) =>
  new KilnError('invalid_input', `${path}: ${message}`, { issues: [{ path, message }] });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a body with the binary extension into its JSON header and the bytes after it. */
export function splitBinaryBody(raw: Buffer, headerLength: string): { header: unknown; binary: Buffer } {
  const length = Number(headerLength);
  if (!/^\d+$/.test(headerLength) || length > raw.length)
    throw inferError(
      'Inference-Header-Content-Length',
      `${headerLength} is not a length within the ${raw.length}-byte body`,
    );
  let header: unknown;
  try {
    header = JSON.parse(raw.subarray(0, length).toString('utf8'));
  } catch (error) {
    throw inferError(
      'Inference-Header-Content-Length',
      `the first ${length} bytes are not JSON: ${(error as Error).message}`,
    );
  }
  return { header, binary: raw.subarray(length) };
}

/** Flattens nested arrays (the protocol allows data flat or nested in row-major order); flat data as it is. */
function flatten(value: unknown): readonly unknown[] {
  if (value instanceof FlatTensor) return value.data as readonly unknown[]; // read flat by the body scanner
  if (!Array.isArray(value)) return [value];
  if (!value.some(Array.isArray)) return value;
  const out: unknown[] = [];
  const push = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) push(x);
    else out.push(v);
  };
  push(value);
  return out;
}

type Elements = readonly unknown[] | Float32Array | Int32Array | Uint8Array;

/**
 * The elements of a binary tensor: numbers as a typed array over the body's own bytes (copied only when
 * the header's length left them unaligned for the type), or for BYTES each element's bytes (a 4-byte
 * little-endian length first).
 */
function readBinary(bytes: Buffer, datatype: string, path: string): Elements {
  if (datatype === 'BYTES') {
    const elements: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      if (at + 4 > bytes.length) throw inferError(path, 'a BYTES element is cut inside its 4-byte length');
      const length = bytes.readUInt32LE(at);
      if (at + 4 + length > bytes.length)
        throw inferError(path, `a BYTES element of ${length} bytes runs past the data`);
      elements.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    return elements;
  }
  const width = NUMERIC[datatype as Numeric];
  if (bytes.length % width !== 0)
    throw inferError(path, `${bytes.length} bytes are not a whole number of ${datatype} values`);
  if (datatype === 'UINT8') return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const aligned = bytes.byteOffset % width === 0 ? bytes : Buffer.from(bytes);
  const count = aligned.length / width;
  return datatype === 'FP32'
    ? new Float32Array(aligned.buffer, aligned.byteOffset, count)
    : new Int32Array(aligned.buffer, aligned.byteOffset, count);
}

/** Reads one input's elements, checked against its datatype and shape. */
function inputValues(input: InferInput, path: string, binary: Buffer, at: { offset: number }): Elements {
  const size = input.parameters?.binary_data_size;
  let values: Elements;
  if (size !== undefined) {
    if (!Number.isInteger(size) || size < 0)
      throw inferError(`${path}.parameters.binary_data_size`, 'must be a byte count');
    if (input.data !== undefined) throw inferError(path, 'has both data and parameters.binary_data_size');
    if (at.offset + size > binary.length)
      throw inferError(
        `${path}.parameters.binary_data_size`,
        `${size} bytes from byte ${at.offset} run past the ${binary.length} bytes of binary data`,
      );
    values = readBinary(binary.subarray(at.offset, at.offset + size), input.datatype, path);
    at.offset += size;
  } else {
    if (input.data === undefined) throw inferError(`${path}.data`, 'is required (or parameters.binary_data_size)');
    values = flatten(input.data);
    const ok = input.datatype === 'BYTES' ? typeof values[0] === 'string' || values.length === 0 : true;
    if (!ok) throw inferError(`${path}.data`, 'BYTES data are strings (base64 of an encoded image)');
  }
  const expected = input.shape.reduce((a, b) => a * b, 1);
  if (values.length !== expected)
    throw inferError(path, `${values.length} value(s) for shape [${input.shape.join(', ')}], which holds ${expected}`);
  return values;
}

/** Checks one entry of `inputs`: a name, a shape of counts (instances first), a datatype Kiln takes. */
function checkInput(value: unknown, path: string, names: string[]): InferInput {
  if (!isObject(value)) throw inferError(path, 'must be an object with name, shape, datatype and data');
  const { name, shape, datatype } = value;
  if (typeof name !== 'string' || !names.includes(name))
    throw inferError(
      `${path}.name`,
      `${JSON.stringify(name)} is not an input of the model, whose inputs are ${names.join(', ')}`,
    );
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw inferError(`${path}.shape`, 'must be a list of counts, the first the number of instances');
  if (typeof datatype !== 'string' || !DATATYPES.includes(datatype))
    throw inferError(`${path}.datatype`, `${JSON.stringify(datatype)} is not one of ${DATATYPES.join(', ')}`);
  return value as unknown as InferInput;
}

/**
 * Turns an infer request into the columnar predict body every Kiln route decodes (`inputs` by name):
 * the same checks and preprocessing apply to it as to Kiln's own and TensorFlow Serving's routes.
 * BYTES elements are encoded images, as `{"b64": …}` is elsewhere.
 */
export function parseInferRequest(
  header: unknown,
  binary: Buffer,
  signature: ModelSignature,
): { body: PredictBody; options: InferOptions } {
  if (!isObject(header)) throw inferError('body', 'must be a JSON object with inputs');
  const names = tensorNames(signature.inputs, 'input');
  if (!Array.isArray(header.inputs) || header.inputs.length === 0)
    throw inferError('inputs', 'is required: one entry per model input');
  const inputs = header.inputs.map((value, i) => checkInput(value, `inputs[${i}]`, names));
  const missing = names.filter((n) => !inputs.some((i) => i.name === n));
  if (missing.length > 0)
    throw inferError('inputs', `has no ${missing.join(', ')}: the model takes ${names.join(', ')}`);
  const at = { offset: 0 };
  const columns: Record<string, unknown> = {};
  inputs.forEach((input, i) => {
    const values = inputValues(input, `inputs[${i}]`, binary, at);
    // A BYTES input is one encoded image per instance, whatever trailing 1s its shape has; numbers stay
    // flat, to be copied into the model's buffer as they are.
    columns[input.name] =
      input.datatype === 'BYTES'
        ? Array.from(values as readonly unknown[], (v) => ({
            b64: Buffer.isBuffer(v) ? v.toString('base64') : (v as string),
          }))
        : new FlatTensor(input.shape, values);
  });
  if (at.offset !== binary.length)
    throw inferError('inputs', `${binary.length - at.offset} byte(s) of binary data belong to no input`);
  // One input goes unnamed (its registered name may be none); several by their names.
  const body = names.length === 1 ? { inputs: columns[names[0]!]! } : { inputs: columns };
  return { body, options: inferOptions(header) };
}

function inferOptions(header: Record<string, unknown>): InferOptions {
  const id = header.id;
  if (id !== undefined && typeof id !== 'string') throw inferError('id', 'must be a string');
  const parameters = isObject(header.parameters) ? header.parameters : {};
  const binaryByDefault = parameters.binary_data_output === true;
  if (header.outputs === undefined) return { id, binaryByDefault };
  if (!Array.isArray(header.outputs)) throw inferError('outputs', 'must be a list of {name}');
  const outputs = header.outputs.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string') throw inferError(`outputs[${i}].name`, 'is required');
    const binary = isObject(o.parameters) ? o.parameters.binary_data : undefined;
    return { name: o.name, binary: typeof binary === 'boolean' ? binary : binaryByDefault };
  });
  return { id, outputs, binaryByDefault };
}
