import type { ModelSignature } from '../domain/model.ts';
import type { PredictBody } from './decode-inputs.ts';
import { KilnError } from '../domain/errors.ts';
import { nestedJson } from './json-numbers.ts';
import type { OutputRows } from './types.ts';

/** The one signature Kiln models have, under TensorFlow Serving's default name. */
const DEFAULT_SIGNATURE = 'serving_default';

/** A 400 in TF Serving's own wording (the message is not prefixed with the path, which only the details carry). */
const tfServingError = (path: string, message: string) =>
  new KilnError('invalid_input', message, { issues: [{ path, message }] });

/**
 * Checks a TensorFlow Serving predict body: exactly one of `instances` (row format) or `inputs`
 * (columnar), and `signature_name` absent or `serving_default`. Messages follow TF Serving's wording.
 */
export function parseTfServingRequest(body: unknown): { body: PredictBody; format: 'row' | 'columnar' } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw tfServingError('body', 'JSON Value: the request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const signature = b.signature_name;
  if (signature !== undefined && signature !== DEFAULT_SIGNATURE) {
    throw tfServingError('signature_name', `Serving signature name: "${String(signature)}" not found in signature def`);
  }
  const hasInstances = 'instances' in b;
  const hasInputs = 'inputs' in b;
  if (hasInstances === hasInputs) {
    throw tfServingError(
      'body',
      hasInstances
        ? 'Not allowed to specify both "instances" and "inputs" keys'
        : 'Missing "instances" or "inputs" key',
    );
  }
  return hasInstances
    ? { body: { instances: b.instances }, format: 'row' }
    : { body: { inputs: b.inputs }, format: 'columnar' };
}

/**
 * TF Serving's response, as JSON text: row format answers `{"predictions": [...]}` (a value per instance
 * with one output, an object by output name with several); columnar answers `{"outputs": ...}` (the
 * batch tensor, or an object of them by output name). Written from the output buffers directly.
 */
export function formatTfServingResponse(outputs: OutputRows[], count: number, format: 'row' | 'columnar'): string {
  const byName = (values: string[]) => `{${outputs.map((o, k) => `${JSON.stringify(o.name)}:${values[k]}`).join(',')}}`;
  if (format === 'columnar') {
    const tensors = outputs.map((o) => nestedJson(o.data, [count, ...o.rowShape]));
    return `{"outputs":${outputs.length === 1 ? tensors[0] : byName(tensors)}}`;
  }
  const sizes = outputs.map((o) => o.rowShape.reduce((a, b) => a * b, 1));
  const predictions = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const rows = outputs.map((o, k) => nestedJson(o.data, o.rowShape, i * sizes[k]!));
    predictions[i] = outputs.length === 1 ? rows[0]! : byName(rows);
  }
  return `{"predictions":[${predictions.join(',')}]}`;
}

/** GET /v1/models/:name: one status per version, as TF Serving's ModelVersionStatus. */
export function versionStatusBody(
  versions: Array<{ version: number; state: 'START' | 'LOADING' | 'AVAILABLE' }>,
): object {
  return {
    model_version_status: versions.map(({ version, state }) => ({
      version: String(version),
      state,
      status: { error_code: 'OK', error_message: '' },
    })),
  };
}

const DTYPES: Record<string, string> = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL', string: 'DT_STRING' };

function tensorInfo(t: { name: string; shape: (number | null)[]; dtype: string }) {
  return {
    dtype: DTYPES[t.dtype] ?? 'DT_INVALID',
    tensor_shape: { dim: t.shape.map((d) => ({ size: String(d ?? -1), name: '' })), unknown_rank: false },
    // TF Serving names the graph tensor, which is the layer's output 0.
    name: `${t.name}:0`,
  };
}

/** GET /v1/models/:name/metadata: the model spec and its one signature def, as TF Serving answers it. */
export function metadataBody(name: string, version: number, signature: ModelSignature): object {
  const byName = (list: ModelSignature['inputs']) => Object.fromEntries(list.map((t) => [t.name, tensorInfo(t)]));
  return {
    model_spec: { name, signature_name: '', version: String(version) },
    metadata: {
      signature_def: {
        signature_def: {
          [DEFAULT_SIGNATURE]: {
            inputs: byName(signature.inputs),
            outputs: byName(signature.outputs),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}
