import type { ModelSignature } from '../../domain/model.ts';
import type { OutputRows, ServedModelRecord } from '../types.ts';
import { numbersJson } from '../json-numbers.ts';
import { inferError, tensorNames, type InferOptions } from './request.ts';

/** What the route sends: the JSON header as text, and (binary extension) the bytes that follow it. */
export interface InferResponse {
  json: string;
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
    const head = `{"name":${JSON.stringify(name)},"datatype":"FP32","shape":[${[count, ...output.rowShape].join(',')}]`;
    // JSON data are written from the output buffer as text (numbersJson), not through an array of numbers.
    if (!binary) return `${head},"data":${numbersJson(output.data)}}`;
    const bytes = Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength);
    chunks.push(bytes);
    return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
  });
  const id = options.id !== undefined ? `,"id":${JSON.stringify(options.id)}` : '';
  const json = `{"model_name":${JSON.stringify(record.name)},"model_version":${JSON.stringify(String(record.version))}${id},"outputs":[${tensors.join(',')}]}`;
  return chunks.length > 0 ? { json, binary: Buffer.concat(chunks) } : { json };
}
