import type { InputPreprocessing, Preprocessing } from './types.ts';

/** The preprocessing record of one input: its own entry under `inputs`, else the model-wide one. */
export function preprocessingFor(preprocessing: Preprocessing | null, inputName: string): InputPreprocessing {
  if (!preprocessing) return {};
  const own = preprocessing.inputs?.[inputName];
  const { inputs: _ignored, ...shared } = preprocessing;
  return { ...shared, ...own };
}

/**
 * Where a base64 image sent to this input is decoded to: the recorded image size and channels, else the
 * input's own [height, width, channels] shape when it is one; undefined when the input takes no images.
 */
export function imageGeometry(
  rowShape: (number | null)[],
  pre: InputPreprocessing,
): { size: [number, number]; channels: 1 | 3 } | undefined {
  if (pre.image) return pre.image;
  const [height, width, channels] = rowShape;
  if (
    rowShape.length === 3 &&
    typeof height === 'number' &&
    typeof width === 'number' &&
    (channels === 1 || channels === 3)
  ) {
    return { size: [height, width], channels };
  }
  return undefined;
}
