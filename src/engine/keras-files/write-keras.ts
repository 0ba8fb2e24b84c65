import type * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { exportGraph, type ExportLayer } from './export-graph.ts';
import { h5Write, type H5File } from './h5-file.ts';
import { keras3ModelConfig } from './keras-config.ts';
import { kerasObjectPaths, toSnakeCase, type LayerObjectPaths } from './object-paths.ts';
import type { ExportPreprocessing } from './preprocessing-layers.ts';

export interface WriteKerasOptions {
  /** Written to metadata.json and decides the dtype serialization; defaults to the 3.14 fixture's version. */
  kerasVersion?: string;
  /** Preprocessing to build into the model (Rescaling / Normalization after each float input). */
  preprocessing?: ExportPreprocessing;
  /** For reproducible files; defaults to now. */
  dateSaved?: Date;
}

export const DEFAULT_KERAS3_VERSION = '3.14.0';

type Group = ReturnType<H5File['create_group']>;

/** Creates (or finds) the group at a slash-separated path; h5wasm does not create intermediate groups. */
export function ensureGroup(root: Group, path: string): Group {
  let group: Group = root;
  for (const part of path.split('/').filter(Boolean)) {
    group = group.keys().includes(part) ? (group.get(part) as Group) : group.create_group(part);
  }
  return group;
}

/** The `name` attribute Keras 3 puts on a vars group: the name of the object that owns it. */
function ownerName(path: string, entry: LayerObjectPaths, layer: ExportLayer): string {
  const inner = layer.tfjsConfig.layer as { class_name?: string; config?: { name?: string } } | undefined;
  const rnnClass = inner?.class_name ?? entry.className;
  const rnnName = inner?.config?.name ?? entry.layer;
  if (path.endsWith('/cell')) return `${toSnakeCase(rnnClass === 'KilnResetAfterGRU' ? 'GRU' : rnnClass)}_cell`;
  if (path.endsWith('/forward_layer')) return `forward_${rnnName}`;
  if (path.endsWith('/backward_layer')) return `backward_${rnnName}`;
  return entry.layer;
}

/**
 * Writes every layer's variables under its object path. Paths that contain others (an RNN, a
 * Bidirectional and its direction layers) own no variables; the innermost ones (`cell`) share the
 * layer's variables in order: an RNN's all, a Bidirectional's first half forward, second half backward.
 */
function writeWeights(
  file: H5File,
  modelName: string,
  entries: LayerObjectPaths[],
  layers: Map<string, ExportLayer>,
): void {
  ensureGroup(file, 'vars').create_attribute('name', modelName);
  for (const entry of entries) {
    const layer = layers.get(entry.layer) as ExportLayer;
    const leaves = entry.paths.filter((p) => !entry.paths.some((q) => q.startsWith(`${p}/`)));
    const perLeaf = layer.weights.length / leaves.length;
    for (const path of entry.paths) {
      const vars = ensureGroup(file, `${path}/vars`);
      vars.create_attribute('name', ownerName(path, entry, layer));
      const leaf = leaves.indexOf(path);
      if (leaf < 0) continue;
      layer.weights.slice(leaf * perLeaf, (leaf + 1) * perLeaf).forEach((w, i) => {
        vars.create_dataset({ name: String(i), data: w.data, shape: w.shape, dtype: '<f' });
      });
    }
  }
}

function dateSaved(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Writes a tfjs model as a Keras 3 `.keras` zip (metadata.json, config.json, model.weights.h5) that keras.models.load_model reads. */
export function writeKerasFile(model: tf.LayersModel, opts: WriteKerasOptions = {}): Uint8Array {
  const kerasVersion = opts.kerasVersion ?? DEFAULT_KERAS3_VERSION;
  const graph = exportGraph(model, opts.preprocessing);
  const config = keras3ModelConfig(graph, kerasVersion);
  const layers = new Map(graph.layers.map((l) => [l.name, l]));
  const weights = h5Write((file) => writeWeights(file, graph.name, kerasObjectPaths(config), layers));
  const saved = opts.dateSaved ?? new Date();
  const metadata = JSON.stringify({ keras_version: kerasVersion, date_saved: dateSaved(saved) });
  const encode = (s: string) => new TextEncoder().encode(s);
  // Keras writes the members stored (not deflated), in this order; its JSON members carry the zip epoch date.
  const epoch = new Date(1980, 0, 1);
  return zipSync({
    'metadata.json': [encode(metadata), { level: 0, mtime: epoch }],
    'config.json': [encode(JSON.stringify(config)), { level: 0, mtime: epoch }],
    'model.weights.h5': [weights, { level: 0, mtime: saved }],
  });
}
