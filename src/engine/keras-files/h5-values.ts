import { h5wasm } from './h5-file.ts';
import { KerasFileError } from './keras-file-error.ts';
import { showBytes } from './limits.ts';
import type { WeightTensor } from './types.ts';

type Group = InstanceType<typeof h5wasm.Group>;
type Dataset = InstanceType<typeof h5wasm.Dataset>;
type HasAttrs = Group | Dataset;

const FLOAT = 1;
const STRING = 3;

/** Counts what a reader takes from one file: dataset bytes and visited objects, against the limits. */
export class ReadBudget {
  private bytes = 0;
  private objects = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly maxObjects: number,
    private readonly label: string,
  ) {}

  /** Reserves the bytes of a dataset before it is read; refuses once the total would pass the cap. */
  takeBytes(n: number, path: string): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) {
      throw new KerasFileError(
        'hdf5_bomb',
        `${this.label}: reading "${path}" (${showBytes(n)}) would pass the limit of ${showBytes(this.maxBytes)} of weights`,
        path,
      );
    }
  }

  /** Counts one visited group or dataset. */
  takeObject(path: string): void {
    if (++this.objects > this.maxObjects) {
      throw new KerasFileError(
        'hdf5_bomb',
        `${this.label}: the HDF5 file has more than ${this.maxObjects} groups and datasets (at "${path}")`,
        path,
      );
    }
  }
}

/** The child group at `name`, or undefined when absent or not a group. */
export function childGroup(parent: Group, name: string): Group | undefined {
  if (!parent.keys().includes(name)) return undefined;
  const entity = parent.get(name);
  return entity instanceof h5wasm.Group ? entity : undefined;
}

/**
 * Reads a float dataset as float32 after checking its type and size: the shape is known from the
 * header, so an oversized dataset is refused before its bytes are touched.
 */
export function readWeight(parent: Group, relPath: string, fullPath: string, budget: ReadBudget): WeightTensor {
  const entity = parent.get(relPath);
  if (!(entity instanceof h5wasm.Dataset)) {
    throw new KerasFileError(
      'missing_weights',
      `weight "${fullPath}" is missing from the HDF5 file (or is not a dataset)`,
      fullPath,
    );
  }
  const meta = entity.metadata;
  const shape = meta.shape;
  if (shape === null)
    throw new KerasFileError('corrupt', `weight "${fullPath}" has no data (null dataspace)`, fullPath);
  if (meta.type !== FLOAT || (meta.size !== 4 && meta.size !== 8)) {
    throw new KerasFileError(
      'unsupported_dtype',
      `weight "${fullPath}" is stored as ${entity.dtype}; only float32 and float64 weights can be read`,
      fullPath,
    );
  }
  const elements = shape.reduce((a, b) => a * b, 1);
  budget.takeBytes(elements * meta.size, fullPath);
  const value = entity.value;
  const data =
    value instanceof Float32Array
      ? value
      : value instanceof Float64Array
        ? Float32Array.from(value)
        : typeof value === 'number'
          ? Float32Array.of(value)
          : undefined;
  if (!data || data.length !== elements)
    throw new KerasFileError('corrupt', `weight "${fullPath}" could not be read as ${elements} numbers`, fullPath);
  return { name: fullPath, shape: [...shape], data };
}

function decode(value: unknown): unknown {
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map(decode);
  return value;
}

function attrValue(obj: HasAttrs, name: string): unknown {
  const attr = obj.attrs[name];
  return attr === undefined ? undefined : decode(attr.value);
}

/** A text attribute (stored as a variable- or fixed-length string, or as bytes); undefined when absent. */
export function readTextAttr(obj: HasAttrs, name: string, where: string): string | undefined {
  const value = attrValue(obj, name);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  throw new KerasFileError('corrupt', `attribute "${name}" of "${where}" is not text`, where);
}

/**
 * A list-of-names attribute such as `layer_names` or `weight_names`. Keras splits a list that would
 * exceed the HDF5 header limit into `name0`, `name1`, ...; an empty list is stored as an empty float array.
 */
export function readNameListAttr(obj: HasAttrs, name: string, where: string): string[] | undefined {
  const names = Object.keys(obj.attrs);
  const parts = names.includes(name) ? [name] : chunkNames(names, name);
  if (parts.length === 0) return undefined;
  const out: string[] = [];
  for (const part of parts) {
    const attr = obj.attrs[part]!;
    // numpy stores an empty list as an empty float64 array.
    if (attr.metadata.type !== STRING && attr.shape?.length === 1 && attr.shape[0] === 0) continue;
    const value = attrValue(obj, part);
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
      throw new KerasFileError('corrupt', `attribute "${part}" of "${where}" is not a list of names`, where);
    }
    out.push(...(list as string[]));
  }
  return out;
}

function chunkNames(names: string[], base: string): string[] {
  const out: string[] = [];
  while (names.includes(`${base}${out.length}`)) out.push(`${base}${out.length}`);
  return out;
}
