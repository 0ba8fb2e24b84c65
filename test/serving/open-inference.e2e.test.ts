// The Open Inference Protocol (KServe v2) over REST, replaying the request and response bodies of its
// documentation (https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol and
// Triton's binary tensor data extension) on Kiln's models: tfjs models take float inputs, so the documented
// UINT32/BOOL example inputs become the FP32, INT32 and UINT8 tensors Kiln takes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.ts';
import { startApi } from '../helpers/processes.ts';
import { decodeImage } from '../../src/datasets/formats/index.ts';
import {
  assertClose,
  halfPlusThree,
  imageModel,
  localPredict,
  multiOutput,
  pngBase64,
  registerModel,
} from './fixtures.ts';

/** A body with the binary extension: the JSON header, then the raw bytes of each binary input. */
function binaryBody(header: object, ...parts: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headerLength: json.length };
}

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

describe('Open Inference Protocol (v2) REST', () => {
  let env: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  const image = imageModel();
  const signals = multiOutput();

  before(async () => {
    env = await createTestEnvironment();
    api = await startApi(env.config);
    await registerModel(api.app, halfPlusThree(), { name: 'half_plus_three' });
    await registerModel(api.app, signals, { name: 'signals' });
    await registerModel(api.app, image, {
      name: 'digits',
      preprocessing: { scale: 1 / 255, image: { size: [8, 8], channels: 1 } },
    });
  });
  after(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const headerLength = response.headers.get('inference-header-content-length');
    const json = JSON.parse(bytes.subarray(0, headerLength ? Number(headerLength) : bytes.length).toString() || 'null');
    return {
      status: response.status,
      body: json,
      binary: headerLength ? bytes.subarray(Number(headerLength)) : undefined,
    };
  };

  test('health, server metadata, model metadata and readiness', async () => {
    assert.deepEqual((await call('GET', '/v2/health/live')).body, { live: true });
    assert.deepEqual((await call('GET', '/v2/health/ready')).body, { ready: true });
    const server = await call('GET', '/v2');
    assert.equal(server.body.name, 'kiln');
    assert.ok(server.body.extensions.includes('binary_tensor_data'));

    const metadata = await call('GET', '/v2/models/signals');
    assert.equal(metadata.status, 200);
    assert.deepEqual(metadata.body, {
      name: 'signals',
      versions: ['1'],
      platform: 'tensorflowjs_layers',
      inputs: [
        { name: 'signal', datatype: 'FP32', shape: [-1, 5] },
        { name: 'sensor', datatype: 'FP32', shape: [-1, 2, 2] },
      ],
      outputs: [
        { name: 'scores', datatype: 'FP32', shape: [-1, 3] },
        { name: 'value', datatype: 'FP32', shape: [-1, 1] },
      ],
    });
    assert.deepEqual((await call('GET', '/v2/models/signals/versions/1')).body, metadata.body);
    assert.deepEqual((await call('GET', '/v2/models/signals@1')).body, metadata.body, "Kiln's references work");

    // Not in memory yet: 503 and the load starts; then 200.
    const first = await call('GET', '/v2/models/half_plus_three/ready');
    assert.ok([200, 503].includes(first.status));
    let ready = first;
    for (let i = 0; i < 100 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await call('GET', '/v2/models/half_plus_three/versions/1/ready');
    }
    assert.deepEqual(ready.body, { name: 'half_plus_three', ready: true });
  });

  test('infer with JSON tensors: flat or nested data, an id, the outputs asked for', async () => {
    const response = await call('POST', '/v2/models/half_plus_three/infer', {
      id: '42',
      inputs: [{ name: 'x', shape: [3, 1], datatype: 'FP32', data: [1.0, 2.0, 5.0] }],
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, {
      model_name: 'half_plus_three',
      model_version: '1',
      id: '42',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [3.5, 4.0, 5.5] }],
    });

    const signal = [
      [1, 2, 3, 4, 5],
      [3, 4, 1, 2, 5],
    ];
    const sensor = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [4, 5],
        [6, 8],
      ],
    ];
    const [scores, value] = localPredict(signals, [tf.tensor(signal), tf.tensor(sensor)]);
    const both = await call('POST', '/v2/models/signals/infer', {
      inputs: [
        { name: 'sensor', shape: [2, 2, 2], datatype: 'INT32', data: sensor },
        { name: 'signal', shape: [2, 5], datatype: 'FP32', data: signal.flat() },
      ],
      outputs: [{ name: 'value' }],
    });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.deepEqual(
      both.body.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape]),
      [['value', [2, 1]]],
      'only the output asked for',
    );
    assertClose(both.body.outputs[0].data, value.flat());
    const all = await call('POST', '/v2/models/signals/infer', {
      inputs: [
        { name: 'signal', shape: [2, 5], datatype: 'FP32', data: signal },
        { name: 'sensor', shape: [2, 2, 2], datatype: 'FP32', data: sensor },
      ],
    });
    assertClose(all.body.outputs[0].data, scores.flat());
  });

  test('the binary tensor data extension: FP32 in, FP32 out, and UINT8 pixels and BYTES images with the preprocessing', async () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [{ name: 'x', shape: [3, 1], datatype: 'FP32', parameters: { binary_data_size: 12 } }],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      },
      f32([1, 2, 5]),
    );
    const response = await call('POST', '/v2/models/half_plus_three/infer', body, {
      'Inference-Header-Content-Length': String(headerLength),
      'content-type': 'application/octet-stream',
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.outputs, [
      { name: 'y', datatype: 'FP32', shape: [3], parameters: { binary_data_size: 12 } },
    ]);
    const binary = response.binary!;
    assert.deepEqual(Array.from(new Float32Array(new Uint8Array(binary).buffer)), [3.5, 4, 5.5]);

    // Images: the same predictions from encoded PNGs (BYTES) and from their raw pixels (UINT8).
    const pngs = [pngBase64(16, 12, 1), pngBase64(8, 8, 2)].map((b64) => Buffer.from(b64, 'base64'));
    const pixels = pngs.map((png) => decodeImage(png, { size: [8, 8], channels: 1 }));
    const [expected] = localPredict(
      image,
      tf.tensor(
        pixels.flatMap((p) => Array.from(p, (v) => v / 255)),
        [2, 8, 8, 1],
      ),
    );
    // The input's name as a client learns it, from the metadata.
    const input = (await call('GET', '/v2/models/digits')).body.inputs[0].name as string;
    const lengths = pngs.map((png) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(png.length);
      return Buffer.concat([length, png]);
    });
    const encoded = binaryBody(
      {
        inputs: [
          {
            name: input,
            shape: [2],
            datatype: 'BYTES',
            parameters: { binary_data_size: lengths.reduce((n, b) => n + b.length, 0) },
          },
        ],
      },
      ...lengths,
    );
    const fromPng = await call('POST', '/v2/models/digits/infer', encoded.body, {
      'Inference-Header-Content-Length': String(encoded.headerLength),
    });
    assert.equal(fromPng.status, 200, JSON.stringify(fromPng.body));
    assertClose(fromPng.body.outputs[0].data, expected.flat());
    const raw = binaryBody(
      {
        inputs: [{ name: input, shape: [2, 8, 8, 1], datatype: 'UINT8', parameters: { binary_data_size: 128 } }],
      },
      Buffer.concat(pixels.map((p) => Buffer.from(p))),
    );
    const fromPixels = await call('POST', '/v2/models/digits/infer', raw.body, {
      'Inference-Header-Content-Length': String(raw.headerLength),
    });
    assert.equal(fromPixels.status, 200, JSON.stringify(fromPixels.body));
    assertClose(fromPixels.body.outputs[0].data, expected.flat());
  });

  test('binary tensors go straight to the model whatever their alignment; sizes that do not match and bad values are 400s', async () => {
    const binaryInfer = (header: object, ...parts: Buffer[]) => {
      const { body, headerLength } = binaryBody(header, ...parts);
      return call('POST', '/v2/models/signals/infer', body, {
        'Inference-Header-Content-Length': String(headerLength),
      });
    };
    const signal = [0.5, -1, 2, 3.25, 4, 1, 1, 1, 1, 1];
    const sensor = [1, 2, 3, 4, 4, 5, 6, 8];
    const [scores, value] = localPredict(signals, [tf.tensor(signal, [2, 5]), tf.tensor(sensor, [2, 2, 2])]);
    const i32 = (values: number[]) => Buffer.from(new Int32Array(values).buffer);
    // Header lengths of every remainder mod 4: the typed views need aligned bytes and get them.
    for (const pad of ['', ' ', '  ', '   ']) {
      const answer = await binaryInfer(
        {
          id: pad,
          inputs: [
            { name: 'signal', shape: [2, 5], datatype: 'FP32', parameters: { binary_data_size: 40 } },
            { name: 'sensor', shape: [2, 2, 2], datatype: 'INT32', parameters: { binary_data_size: 32 } },
          ],
          outputs: [{ name: 'scores' }, { name: 'value', parameters: { binary_data: true } }],
        },
        f32(signal),
        i32(sensor),
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assertClose(answer.body.outputs[0].data, scores.flat());
      assertClose(Array.from(new Float32Array(new Uint8Array(answer.binary!).buffer)), value.flat());
    }

    const fp32 = (size: number, shape = [2, 5]) => ({
      name: 'signal',
      shape,
      datatype: 'FP32',
      parameters: { binary_data_size: size },
    });
    const sensorJson = { name: 'sensor', shape: [2, 2, 2], datatype: 'FP32', data: sensor };
    const cases: Array<[object, Buffer, RegExp]> = [
      [
        { inputs: [fp32(36), sensorJson] },
        f32(signal.slice(0, 9)),
        /inputs\[0\]: 9 value\(s\) for shape \[2, 5\], which holds 10/,
      ],
      [
        { inputs: [fp32(38), sensorJson] },
        f32(signal).subarray(0, 38),
        /38 bytes are not a whole number of FP32 values/,
      ],
      [
        { inputs: [fp32(40), sensorJson] },
        Buffer.concat([f32(signal), f32([1])]),
        /4 byte\(s\) of binary data belong to no input/,
      ],
      [{ inputs: [fp32(44), sensorJson] }, f32(signal), /44 bytes from byte 0 run past the 40 bytes/],
      [{ inputs: [fp32(40, [5, 2]), sensorJson] }, f32(signal), /expects rank 1, shape \[5\].*given shape \[2\]/],
      [
        { inputs: [fp32(40), sensorJson] },
        f32([...signal.slice(0, 6), NaN, ...signal.slice(7)]),
        /inputs\.signal\[1\]\[1\]: NaN is not a finite number/,
      ],
      [
        { inputs: [{ ...fp32(0), parameters: undefined, data: [1, 2, 3, 4, 5, 6, '7', 8, 9, 10] }, sensorJson] },
        Buffer.alloc(0),
        /inputs\.signal\[1\]\[1\]: expected a number/,
      ],
      [
        {
          inputs: [
            {
              ...fp32(0),
              parameters: undefined,
              data: [
                [1, 2, 3, 4, 5],
                [6, 7, 8, 9],
              ],
            },
            sensorJson,
          ],
        },
        Buffer.alloc(0),
        /9 value\(s\) for shape \[2, 5\]/,
      ],
    ];
    for (const [header, bytes, message] of cases) {
      const answer = await binaryInfer(header, bytes);
      assert.equal(answer.status, 400, `${message}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.error, message);
    }
  });

  test('refusals are {"error": ...} naming what is wrong', async () => {
    const infer = (body: unknown, path = '/v2/models/half_plus_three/infer') => call('POST', path, body);
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 400, /inputs: is required/],
      [
        { inputs: [{ name: 'z', shape: [1, 1], datatype: 'FP32', data: [1] }] },
        400,
        /"z" is not an input of the model, whose inputs are x/,
      ],
      [
        { inputs: [{ name: 'x', shape: [2, 1], datatype: 'FP32', data: [1] }] },
        400,
        /1 value\(s\) for shape \[2, 1\], which holds 2/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 1], datatype: 'BOOL', data: [true] }] },
        400,
        /"BOOL" is not one of FP32, INT32, UINT8, BYTES/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }], outputs: [{ name: 'nope' }] },
        400,
        /"nope" is not an output/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', parameters: { binary_data_size: 4 } }] },
        400,
        /run past the 0 bytes/,
      ],
    ];
    for (const [body, status, message] of cases) {
      const response = await infer(body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.deepEqual(Object.keys(response.body), ['error']);
      assert.match(response.body.error, message);
    }
    const missing = await infer(
      { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] },
      '/v2/models/nothing/infer',
    );
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body), ['error']);
    const badHeader = await call('POST', '/v2/models/half_plus_three/infer', Buffer.from('{"inputs": []}'), {
      'Inference-Header-Content-Length': '9999',
    });
    assert.equal(badHeader.status, 400);
    assert.match(badHeader.body.error, /Inference-Header-Content-Length: 9999 is not a length within the 14-byte body/);
  });
});
