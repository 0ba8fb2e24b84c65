import type { ModelSignature } from '../../domain/model.ts';
import type { OutputRows, ServedModelRecord } from '../types.ts';
import { inferError, tensorNames, type InferOptions } from './request.ts';

/** What the route sends: the JSON header, and (binary extension) the bytes that follow it. */
export interface InferResponse {
  json: Record<string, unknown>;
  /** Present when some output is sent in binary: goes after the JSON, whose length is then a header. */
  binary?: Buffer;
}

/** The protocol's tensor metadata: free dimensions are -1. */
const tensorMetadata = (tensors: ModelSignature['inputs'], kind: 'input' | 'output') => {
  const names = tensorNames(tensors, kind);
  return tensors.map((t, i) => ({ name: names[i]!, datatype: 'FP32', shape: t.shape.map((d) => d ?? -1) }));
};

/** `GET /v2/models/{name}[/versions/{v}]`: the model's name, versions, and its inputs' and outputs' tensors. */
export function modelMetadata(record: ServedModelRecord, versions: number[]): Record<string, unknown> {
  return {
    name: record.name,
    versions: versions.map(String),
    platform: 'tensorflowjs_layers',
    inputs: tensorMetadata(record.signature.inputs, 'input'),
    outputs: tensorMetadata(record.signature.outputs, 'output'),
  };
}

/** The infer response: every output (or those asked for), FP32, in JSON or as binary data. */
export function formatInferResponse(
  record: ServedModelRecord,
  count: number,
  outputs: OutputRows[],
  options: InferOptions,
): InferResponse {
  // Named as the metadata names them (the registered names), in the model's order.
  const names = tensorNames(record.signature.outputs, 'output');
  const wanted = options.outputs ?? names.map((name) => ({ name, binary: options.binaryByDefault }));
  const chunks: Buffer[] = [];
  const tensors = wanted.map(({ name, binary }, i) => {
    const output = outputs[names.indexOf(name)];
    if (!output)
      throw inferError(
        `outputs[${i}].name`,
        `"${name}" is not an output of the model, whose outputs are ${names.join(', ')}`,
      );
    const tensor = { name, datatype: 'FP32', shape: [count, ...output.rowShape] };
    if (!binary) return { ...tensor, data: Array.from(output.data) };
    const bytes = Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength);
    chunks.push(bytes);
    return { ...tensor, parameters: { binary_data_size: bytes.length } };
  });
  const json = {
    model_name: record.name,
    model_version: String(record.version),
    ...(options.id !== undefined ? { id: options.id } : {}),
    outputs: tensors,
  };
  return chunks.length > 0 ? { json, binary: Buffer.concat(chunks) } : { json };
}
