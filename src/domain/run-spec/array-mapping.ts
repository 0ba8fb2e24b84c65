/**
 * Which array of a dataset of named arrays feeds each model input and output: the run's
 * `dataset.inputs` / `dataset.outputs` map (model name → array name), else the array of the same name.
 * One place for the api's check and the worker's batches, so both read the same arrays.
 */

export interface ArrayMappingRef {
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
}

/** The array name for each of the model's inputs or outputs, in the model's order. */
export function mappedArrays(ref: ArrayMappingRef, side: 'inputs' | 'outputs', modelNames: string[]): string[] {
  return modelNames.map((name) => ref[side]?.[name] ?? name);
}

/** Keys of the mapping that name no input or output of the model (a typo would otherwise be ignored). */
export function unknownMappingKeys(ref: ArrayMappingRef, side: 'inputs' | 'outputs', modelNames: string[]): string[] {
  return Object.keys(ref[side] ?? {}).filter((key) => !modelNames.includes(key));
}

/** What the input pipeline does for x/y datasets but not yet for named arrays: refused, never ignored. */
export const X_Y_ONLY_FIELDS = ['preprocess', 'augment', 'labels', 'reshape'] as const;
