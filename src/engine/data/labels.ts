import type { SampleStore } from './sample-store.ts';

/**
 * How labels reach the loss: one-hot rows (categorical crossentropy), the class index as a float
 * (sparse categorical crossentropy), or the stored values unchanged (regression, multi-label).
 */
export type LabelEncoding = { kind: 'oneHot'; numClasses: number } | { kind: 'sparse' } | { kind: 'raw' };

/** Shape of one encoded label (without the batch axis). */
export function encodedLabelShape(enc: LabelEncoding, store: SampleStore): number[] {
  if (enc.kind === 'raw') return store.labelShape;
  if (store.labelSize !== 1) {
    throw new Error(`${enc.kind} labels need one class index per sample, but labels have shape [${store.labelShape}]`);
  }
  if (enc.kind === 'oneHot' && !(Number.isInteger(enc.numClasses) && enc.numClasses > 0)) {
    throw new Error(`oneHot labels need a positive integer numClasses, got ${enc.numClasses}`);
  }
  return enc.kind === 'oneHot' ? [enc.numClasses] : [];
}

/** Writes sample i's encoded label at out[offset ..] (as many values as encodedLabelShape holds). */
export function encodeLabel(
  enc: LabelEncoding,
  store: SampleStore,
  i: number,
  out: Float32Array,
  offset: number,
): void {
  if (enc.kind === 'raw') {
    store.copyLabels(i, out, offset);
    return;
  }
  const label = store.label(i);
  const limit = enc.kind === 'oneHot' ? enc.numClasses : Infinity;
  if (!Number.isInteger(label) || label < 0 || label >= limit) {
    throw new Error(`sample ${store.row(i)} has label ${label}, not a class index in [0, ${limit})`);
  }
  if (enc.kind === 'sparse') {
    out[offset] = label;
  } else {
    out.fill(0, offset, offset + enc.numClasses);
    out[offset + label] = 1;
  }
}
