import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';

/** A set of weight tensors kept under one artifact key (e.g. earlyStopping's best weights). */
export class WeightsStore {
  constructor(
    private readonly store: ArtifactStore,
    private readonly key: string,
  ) {}

  async save(weights: tf.Tensor[]): Promise<void> {
    const named = weights.map((tensor, i) => ({ name: `w${i}`, tensor }));
    const { data, specs } = await tf.io.encodeWeights(named);
    await this.store.put(`${this.key}.bin`, new Uint8Array(data as ArrayBuffer));
    await this.store.put(`${this.key}.json`, JSON.stringify(specs));
  }

  /** The saved tensors in their original order; the caller disposes them. */
  async load(): Promise<tf.Tensor[] | undefined> {
    if (!(await this.store.exists(`${this.key}.json`))) return undefined;
    const specs = JSON.parse(
      (await this.store.get(`${this.key}.json`)).toString('utf8'),
    ) as tf.io.WeightsManifestEntry[];
    const data = await this.store.get(`${this.key}.bin`);
    const map = tf.io.decodeWeights(
      data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      specs,
    );
    return specs.map((s) => map[s.name]!);
  }
}
