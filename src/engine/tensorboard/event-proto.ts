// Encoder/decoder for the subset of tensorflow.Event (tensorboard/compat/proto/event.proto, summary.proto,
// histogram.proto) that Kiln writes. Field numbers must match TensorFlow's .proto files exactly.
import { ProtoReader, ProtoWriter } from './proto-wire.ts';

/** tensorflow.HistogramProto: bucket i covers [bucketLimit[i-1], bucketLimit[i]) and holds bucket[i] values. */
export interface HistogramData {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** tensorflow.Summary.Value with only the scalar (`simple_value`) and histogram (`histo`) payloads. */
export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  histo?: HistogramData;
}

/** tensorflow.Event with only the `file_version` and `summary` payloads. */
export interface TfEvent {
  /** Seconds since the Unix epoch, fractional. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { values: SummaryValue[] };
}

const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, histo: 5 } as const;
const HISTO = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 } as const;

/** Serialises an event to protobuf bytes. */
export function encodeEvent(event: TfEvent): Uint8Array {
  if (event.fileVersion !== undefined && event.summary !== undefined) {
    throw new Error('an Event holds either fileVersion or summary, not both (protobuf oneof)');
  }
  const w = new ProtoWriter().double(EVENT.wallTime, event.wallTime).int64(EVENT.step, event.step);
  if (event.fileVersion !== undefined) w.string(EVENT.fileVersion, event.fileVersion);
  if (event.summary !== undefined) {
    const summary = new ProtoWriter();
    for (const value of event.summary.values) summary.bytes(SUMMARY.value, encodeValue(value));
    w.bytes(EVENT.summary, summary.finish());
  }
  return w.finish();
}

function encodeValue(value: SummaryValue): Uint8Array {
  if ((value.simpleValue === undefined) === (value.histo === undefined)) {
    throw new Error(`summary value "${value.tag}" needs exactly one of simpleValue or histo`);
  }
  const w = new ProtoWriter().string(VALUE.tag, value.tag);
  if (value.simpleValue !== undefined) w.float(VALUE.simpleValue, value.simpleValue);
  if (value.histo !== undefined) w.bytes(VALUE.histo, encodeHistogram(value.histo));
  return w.finish();
}

function encodeHistogram(h: HistogramData): Uint8Array {
  return new ProtoWriter()
    .double(HISTO.min, h.min)
    .double(HISTO.max, h.max)
    .double(HISTO.num, h.num)
    .double(HISTO.sum, h.sum)
    .double(HISTO.sumSquares, h.sumSquares)
    .packedDoubles(HISTO.bucketLimit, h.bucketLimit)
    .packedDoubles(HISTO.bucket, h.bucket)
    .finish();
}

/** Parses protobuf bytes into an event; fields outside the supported subset are skipped. */
export function decodeEvent(bytes: Uint8Array): TfEvent {
  const r = new ProtoReader(bytes);
  const event: TfEvent = { wallTime: 0, step: 0 };
  for (const f of r.fields()) {
    if (f.field === EVENT.wallTime) event.wallTime = r.double(f);
    else if (f.field === EVENT.step) event.step = r.int64(f);
    else if (f.field === EVENT.fileVersion) event.fileVersion = r.string(f);
    else if (f.field === EVENT.summary) {
      // Repeated occurrences of an embedded message merge, so values accumulate.
      event.summary ??= { values: [] };
      event.summary.values.push(...decodeSummary(r.message(f)));
    }
  }
  return event;
}

function decodeSummary(bytes: Uint8Array): SummaryValue[] {
  const r = new ProtoReader(bytes);
  const values: SummaryValue[] = [];
  for (const f of r.fields()) if (f.field === SUMMARY.value) values.push(decodeValue(r.message(f)));
  return values;
}

function decodeValue(bytes: Uint8Array): SummaryValue {
  const r = new ProtoReader(bytes);
  const value: SummaryValue = { tag: '' };
  for (const f of r.fields()) {
    if (f.field === VALUE.tag) value.tag = r.string(f);
    else if (f.field === VALUE.simpleValue) value.simpleValue = r.float(f);
    else if (f.field === VALUE.histo) value.histo = decodeHistogram(r.message(f));
  }
  return value;
}

function decodeHistogram(bytes: Uint8Array): HistogramData {
  const r = new ProtoReader(bytes);
  const h: HistogramData = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  for (const f of r.fields()) {
    if (f.field === HISTO.min) h.min = r.double(f);
    else if (f.field === HISTO.max) h.max = r.double(f);
    else if (f.field === HISTO.num) h.num = r.double(f);
    else if (f.field === HISTO.sum) h.sum = r.double(f);
    else if (f.field === HISTO.sumSquares) h.sumSquares = r.double(f);
    else if (f.field === HISTO.bucketLimit) r.doubles(f, h.bucketLimit);
    else if (f.field === HISTO.bucket) r.doubles(f, h.bucket);
  }
  return h;
}
