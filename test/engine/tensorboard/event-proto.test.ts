import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvent, encodeEvent, type TfEvent } from '../../../src/engine/tensorboard/event-proto.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const le64 = (v: number) => Buffer.from(new Float64Array([v]).buffer).toString('hex');
const le32 = (v: number) => Buffer.from(new Float32Array([v]).buffer).toString('hex');

// Expected bytes are spelled out from TensorFlow's event.proto / summary.proto / histogram.proto field numbers,
// independently of the encoder's constants, so a wrong field number fails here even though round trips pass.
test('scalar event encodes with TensorFlow field numbers', () => {
  const bytes = encodeEvent({ wallTime: 1.5, step: 3, summary: { values: [{ tag: 'a', simpleValue: 0.5 }] } });
  // Event.wall_time=1 (fixed64), step=2 (varint), summary=5 > Summary.value=1 > Value.tag=1, simple_value=2 (fixed32)
  assert.equal(hex(bytes), `09${le64(1.5)}` + '1003' + '2a0a' + '0a08' + '0a0161' + `15${le32(0.5)}`);
});

test('file_version event and a negative step encode like protobuf does', () => {
  const bytes = encodeEvent({ wallTime: 0, step: -1, fileVersion: 'brain.Event:2' });
  const version = Buffer.from('brain.Event:2').toString('hex');
  assert.equal(hex(bytes), `09${le64(0)}` + '10ffffffffffffffffff01' + '1a0d' + version);
});

test('histogram value encodes HistogramProto fields 1-5 as doubles and 6-7 as packed doubles', () => {
  const histo = { min: -1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: [0, 10], bucket: [1, 2] };
  const bytes = encodeEvent({ wallTime: 0, step: 0, summary: { values: [{ tag: 'w', histo }] } });
  const histoHex =
    `09${le64(-1)}11${le64(2)}19${le64(3)}21${le64(4)}29${le64(5)}` +
    `3210${le64(0)}${le64(10)}` +
    `3a10${le64(1)}${le64(2)}`;
  const histoLen = histoHex.length / 2;
  const valueHex = `0a0177` + `2a${histoLen.toString(16)}` + histoHex;
  assert.ok(hex(bytes).endsWith(valueHex));
});

test('decodeEvent reverses encodeEvent for scalars, histograms and versions', () => {
  const events: TfEvent[] = [
    { wallTime: 1700000000.125, step: 0, fileVersion: 'brain.Event:2' },
    { wallTime: 1700000001.5, step: 2 ** 40, summary: { values: [{ tag: 'epoch_loss', simpleValue: 0.25 }] } },
    {
      wallTime: 1700000002,
      step: 7,
      summary: {
        values: [
          {
            tag: 'dense/kernel_0',
            histo: { min: -2, max: 3, num: 4, sum: 1, sumSquares: 14, bucketLimit: [-1, 0, 5], bucket: [1, 0, 3] },
          },
          { tag: 'epoch_accuracy', simpleValue: 0 },
        ],
      },
    },
  ];
  for (const event of events) assert.deepEqual(decodeEvent(encodeEvent(event)), event);
});

test('decodeEvent skips fields it does not know (e.g. graph_def, log_message, summary metadata)', () => {
  const known = encodeEvent({ wallTime: 2, step: 1, summary: { values: [{ tag: 't', simpleValue: 1 }] } });
  // graph_def = 4 (bytes), a varint field 99 and a fixed32 field 100.
  const unknown = Buffer.from('2203010203' + 'b80605' + 'a50600000000', 'hex');
  const decoded = decodeEvent(new Uint8Array([...unknown, ...known]));
  assert.deepEqual(decoded, { wallTime: 2, step: 1, summary: { values: [{ tag: 't', simpleValue: 1 }] } });
});

test('decodeEvent accepts unpacked repeated doubles, as protobuf parsers must', () => {
  const bytes = Buffer.from(
    `2a23` + `0a21` + `0a0168` + `2a1c` + `31${le64(1)}` + `31${le64(2)}` + `3a08${le64(9)}`,
    'hex',
  );
  const decoded = decodeEvent(new Uint8Array([...Buffer.from(`09${le64(0)}`, 'hex'), ...bytes]));
  assert.deepEqual(decoded.summary?.values[0].histo?.bucketLimit, [1, 2]);
  assert.deepEqual(decoded.summary?.values[0].histo?.bucket, [9]);
});

test('encodeEvent refuses values that would break the oneofs', () => {
  assert.throws(() => encodeEvent({ wallTime: 0, step: 0, fileVersion: 'x', summary: { values: [] } }), /oneof/);
  assert.throws(() => encodeEvent({ wallTime: 0, step: 0, summary: { values: [{ tag: 'empty' }] } }), /exactly one/);
  assert.throws(() => encodeEvent({ wallTime: 0, step: 1.5 }), /safe integer/);
});
