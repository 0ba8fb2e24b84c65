import type { H5File } from './h5-file.ts';
import { childGroup, readWeight, type ReadBudget } from './h5-values.ts';
import { KerasFileError } from './keras-file-error.ts';
import type { WeightTensor } from './types.ts';

// The weights file Keras 3 writes (`model.weights.h5` inside a .keras, or `save_weights("x.weights.h5")`):
// every object with variables has a group `<object path>/vars` holding datasets "0", "1", ... in the
// order of its variables. Only the `layers` tree is read: `optimizer/vars` (Adam's slots, as large as
// the weights again) and the model's own root `vars` are of no use for inference.

type Group = NonNullable<ReturnType<typeof childGroup>>;

/** Dataset names "0", "1", ..., "10" in variable order (HDF5 lists them alphabetically). */
function variableOrder(names: string[], where: string): string[] {
  if (!names.every((n) => /^\d+$/.test(n))) {
    throw new KerasFileError(
      'corrupt',
      `"${where}" holds datasets that are not numbered variables: ${names.join(', ')}`,
      where,
    );
  }
  const sorted = names.map(Number).sort((a, b) => a - b);
  if (sorted.some((n, i) => n !== i))
    throw new KerasFileError('corrupt', `"${where}" has gaps in its variable numbers: ${names.join(', ')}`, where);
  return sorted.map(String);
}

function walk(group: Group, path: string, out: Map<string, WeightTensor[]>, budget: ReadBudget): void {
  for (const name of group.keys()) {
    const childPath = `${path}/${name}`;
    budget.takeObject(childPath);
    const child = childGroup(group, name);
    if (!child) continue;
    if (name === 'vars') {
      const names = variableOrder(child.keys(), childPath);
      names.forEach((n) => budget.takeObject(`${childPath}/${n}`));
      out.set(
        path,
        names.map((n) => readWeight(child, n, `${childPath}/${n}`, budget)),
      );
    } else {
      walk(child, childPath, out, budget);
    }
  }
}

/**
 * Reads every `vars` group under `layers/`, keyed by object path (`layers/conv2d`, `layers/lstm/cell`).
 * Files from tf.keras 2.13 name the top group `_layer_checkpoint_dependencies`; Keras 3 reads those by
 * the same object paths (H5IOStore.get), so they are keyed as `layers/...` too.
 */
export function readObjectStore(file: H5File, budget: ReadBudget): Map<string, WeightTensor[]> {
  const out = new Map<string, WeightTensor[]>();
  const top = childGroup(file, 'layers') ?? childGroup(file, '_layer_checkpoint_dependencies');
  if (top) walk(top, 'layers', out, budget);
  return out;
}

/** True when the HDF5 file looks like a Keras 3 weights store (a `layers` tree or a root `vars` group). */
export function isObjectStore(file: H5File): boolean {
  const keys = file.keys();
  return keys.includes('layers') || keys.includes('_layer_checkpoint_dependencies') || keys.includes('vars');
}
