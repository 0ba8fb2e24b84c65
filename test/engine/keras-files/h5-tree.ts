// Lists every group, dataset and attribute of an HDF5 file, with h5wasm or with h5py, in one comparable form.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { h5wasm, withH5Read } from '../../../src/engine/keras-files/h5-file.ts';

export interface H5Node {
  kind: 'group' | 'dataset';
  shape?: number[];
  dtype?: string;
  /** Attribute name → "str", "str[n]" or "float64[0]" (kind of value), plus its text when it is a string. */
  attrs: Record<string, string>;
}
export type H5Tree = Record<string, H5Node>;

type Entity = InstanceType<typeof h5wasm.Group> | InstanceType<typeof h5wasm.Dataset>;

function describe(value: unknown, dtype: string): string {
  if (typeof value === 'string') return `str:${value}`;
  if (Array.isArray(value)) return value.length === 0 ? 'float64[0]' : `str[${value.length}]`;
  if (ArrayBuffer.isView(value) && (value as Float64Array).length === 0) return `float64[0]`;
  return `other:${dtype}`;
}

/** The tree as h5wasm sees it. */
export function treeWithH5wasm(bytes: Uint8Array): H5Tree {
  return withH5Read(bytes, 'tree', (file) => {
    const out: H5Tree = {};
    const visit = (entity: Entity, path: string): void => {
      const attrs = Object.fromEntries(
        Object.entries(entity.attrs).map(([k, a]) => [k, describe(a.value, String(a.dtype))]),
      );
      if (entity instanceof h5wasm.Dataset) {
        out[path] = {
          kind: 'dataset',
          shape: entity.shape ?? [],
          dtype: entity.dtype === '<f' ? 'float32' : String(entity.dtype),
          attrs,
        };
        return;
      }
      if (path) out[path] = { kind: 'group', attrs };
      for (const key of entity.keys()) visit(entity.get(key) as Entity, path ? `${path}/${key}` : key);
    };
    visit(file, '');
    out['/'] = {
      kind: 'group',
      attrs: Object.fromEntries(Object.entries(file.attrs).map(([k, a]) => [k, describe(a.value, String(a.dtype))])),
    };
    return out;
  });
}

const PY = `
import h5py, json, sys
def attrs(o):
    out = {}
    for k in o.attrs:
        v = o.attrs[k]
        if isinstance(v, bytes): v = v.decode()
        if isinstance(v, str): out[k] = 'str:' + v
        elif getattr(v, 'size', 1) == 0: out[k] = 'float64[0]'
        elif getattr(v, 'dtype', None) is not None and v.dtype.kind in 'OSU': out[k] = 'str[%d]' % v.size
        else: out[k] = 'other:' + str(getattr(v, 'dtype', type(v)))
    return out
f = h5py.File(sys.argv[1], 'r')
tree = {'/': {'kind': 'group', 'attrs': attrs(f)}}
def visit(name, o):
    if isinstance(o, h5py.Dataset):
        tree[name] = {'kind': 'dataset', 'shape': list(o.shape), 'dtype': 'float32' if o.dtype.str == '<f4' else o.dtype.str, 'attrs': attrs(o)}
    else:
        tree[name] = {'kind': 'group', 'attrs': attrs(o)}
f.visititems(visit)
print(json.dumps(tree))
`;

/** True when /usr/bin/python3 can import h5py. */
export function hasH5py(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;
}

/** The tree as h5py (the library Keras itself uses) sees it. */
export function treeWithH5py(bytes: Uint8Array): H5Tree {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-h5py-'));
  try {
    const path = join(dir, 'file.h5');
    writeFileSync(path, bytes);
    const run = spawnSync('/usr/bin/python3', ['-c', PY, path], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`h5py could not read the file: ${run.stderr}`);
    return JSON.parse(run.stdout) as H5Tree;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The tree without the entries under the given path prefixes. */
export function without(tree: H5Tree, ...prefixes: string[]): H5Tree {
  return Object.fromEntries(
    Object.entries(tree).filter(([p]) => !prefixes.some((x) => p === x || p.startsWith(`${x}/`))),
  );
}
