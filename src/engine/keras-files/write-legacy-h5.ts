import type * as tf from '@tensorflow/tfjs';
import { exportGraph } from './export-graph.ts';
import { h5Write, type H5File } from './h5-file.ts';
import { keras2ModelConfig } from './keras-config.ts';
import type { ExportPreprocessing } from './preprocessing-layers.ts';
import { ensureGroup } from './write-keras.ts';

export interface WriteLegacyH5Options {
  /** The tf.keras version recorded in the file; Keras 2's last release by default. */
  kerasVersion?: string;
  preprocessing?: ExportPreprocessing;
}

export const DEFAULT_KERAS2_VERSION = '2.15.0';

type Group = ReturnType<H5File['create_group']>;

/** A list-of-names attribute as tf.keras writes it; an empty list becomes an empty float64 array, as numpy makes it. */
function nameList(group: Group, name: string, names: string[]): void {
  if (names.length === 0) group.create_attribute(name, new Float64Array(0), [0], '<d');
  else group.create_attribute(name, names);
}

/**
 * Writes a tfjs model as a legacy Keras `.h5` the way tf.keras 2 `model.save("x.h5")` does: root attributes
 * `keras_version`, `backend`, `model_config`; `model_weights` with `layer_names`, and per layer a group
 * whose `weight_names` lists its datasets (`<layer>/kernel:0`) in weight order. No optimizer state.
 */
export function writeLegacyH5(model: tf.LayersModel, opts: WriteLegacyH5Options = {}): Uint8Array {
  const kerasVersion = opts.kerasVersion ?? DEFAULT_KERAS2_VERSION;
  const graph = exportGraph(model, opts.preprocessing);
  const config = keras2ModelConfig(graph, kerasVersion);
  return h5Write((file) => {
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', kerasVersion);
    file.create_attribute('model_config', JSON.stringify(config));
    const weightsGroup = file.create_group('model_weights');
    nameList(
      weightsGroup,
      'layer_names',
      graph.layers.map((l) => l.name),
    );
    weightsGroup.create_attribute('backend', 'tensorflow');
    weightsGroup.create_attribute('keras_version', kerasVersion);
    for (const layer of graph.layers) {
      const group = weightsGroup.create_group(layer.name);
      const names = layer.weights.map((w) => `${w.name}:0`);
      nameList(group, 'weight_names', names);
      layer.weights.forEach((w, i) => {
        const path = names[i] as string;
        const slash = path.lastIndexOf('/');
        const parent = slash < 0 ? group : ensureGroup(group, path.slice(0, slash));
        parent.create_dataset({ name: path.slice(slash + 1), data: w.data, shape: w.shape, dtype: '<f' });
      });
    }
    // tf.keras 2.x writes the model's own (top-level) weights here; a Functional model has none.
    nameList(weightsGroup.create_group('top_level_model_weights'), 'weight_names', []);
  });
}
