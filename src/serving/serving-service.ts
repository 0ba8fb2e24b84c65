import * as tf from '@tensorflow/tfjs';
// Registers Kiln's custom layer classes, which tf.loadLayersModel needs to read models that use them.
import '../engine/model/index.ts';
import type { ArtifactStore } from '../artifacts/artifact-store.ts';
import { artifactIOHandler } from '../engine/io/artifact-io-handler.ts';
import { modelSignature } from '../engine/model-signature.ts';
import { type ModelSignature } from '../domain/model.ts';
import { checkIndices, decodeInputs, type IndexBound, type PredictBody } from './decode-inputs.ts';
import { KilnError } from '../domain/errors.ts';
import { servingErrors } from './errors.ts';
import { describeHeads, type OutputHead } from './format-predictions.ts';
import { MicroBatcher, type BatchRequest } from './micro-batcher.ts';
import type { InferencePool } from './inference/inference-pool.ts';
import { runBatch, zeros } from './run-batch.ts';
import { ModelCache, type Loaded } from './model-cache.ts';
import type { OutputRows, ServedModelRecord } from './types.ts';

export interface ServingOptions {
  cacheBytes: number;
  batchMaxSize: number;
  batchTimeoutMs: number;
  /** Instances that may wait per model (KILN_SERVING_MAX_QUEUE); beyond, predict answers 503. */
  maxQueue: number;
  maxInstances: number;
}

/** How a predict call ended: answered, refused because the model's queue was full, or failed. */
export type PredictOutcome = 'ok' | 'overloaded' | 'error';

/** What serving tells the api's metrics; every observer is optional. */
export interface ServingObservers {
  /** Every predict call, its duration (decoding and queueing included) and outcome. */
  predict?(record: ServedModelRecord, seconds: number, outcome: PredictOutcome): void;
  /** Every batch a model runs: its instances and how long each of its requests waited in the queue. */
  batch?(record: ServedModelRecord, instances: number, queueSeconds: number[]): void;
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A model in memory, warmed up, with its own micro-batcher. */
interface LoadedModel {
  record: ServedModelRecord;
  model: tf.LayersModel;
  signature: ModelSignature;
  /** The activation of each output's layer, to tell classifiers apart. */
  outputActivations: Array<string | undefined>;
  /** Per input: the Embedding it feeds, whose input_dim bounds its values. */
  indexBounds: Array<IndexBound | undefined>;
  batcher: MicroBatcher;
}

/** One request's answer: its rows of every output, and how each output reads as a classification. */
export interface PredictResult {
  count: number;
  outputs: OutputRows[];
  heads: OutputHead[];
}

/**
 * Serving: loads registered models from the artifact store into a byte-bounded LRU cache (warmed up
 * before first use, disposed when evicted or deleted), validates and decodes inputs, and runs them
 * through the model's micro-batcher.
 */
export class ServingService {
  private readonly cache: ModelCache<LoadedModel>;
  /**
   * Ids of models deleted while this api runs. A request that read a model's row just before its
   * delete may still be loading it; the load then ends in a 404 instead of putting the deleted model
   * back in the cache, where requests by id would find it. (Ids are UUIDs: never reused.)
   */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly artifacts: ArtifactStore,
    readonly options: ServingOptions,
    private readonly log: Logger,
    private readonly observers: ServingObservers = {},
    /** Inference threads (KILN_SERVING_THREADS); without them batches run on the event loop. */
    private readonly pool?: InferencePool,
  ) {
    this.cache = new ModelCache<LoadedModel>({
      maxBytes: options.cacheBytes,
      dispose: (loaded, id) => {
        loaded.model.dispose();
        this.pool?.unload(id);
        this.log.info({ modelId: id }, 'model unloaded');
      },
      onEvict: (id, bytes) => this.log.info({ modelId: id, bytes }, 'model evicted from the serving cache'),
    });
  }

  /**
   * Predicts for a body in row (`instances`) or columnar (`inputs`) form. The input is checked against
   * the registered signature before the model is loaded, so bad requests never cost a load; a model
   * that is still loading makes the request wait for it, not fail.
   */
  async predict(record: ServedModelRecord, body: PredictBody): Promise<PredictResult> {
    const started = performance.now();
    let outcome: PredictOutcome = 'error';
    try {
      const result = await this.predictTimed(record, body);
      outcome = 'ok';
      return result;
    } catch (error) {
      if (error instanceof KilnError && error.code === 'overloaded') outcome = 'overloaded';
      throw error;
    } finally {
      this.observers.predict?.(record, (performance.now() - started) / 1000, outcome);
    }
  }

  private async predictTimed(record: ServedModelRecord, body: PredictBody): Promise<PredictResult> {
    const decoded = decodeInputs(body, record.signature, record.preprocessing, this.options.maxInstances);
    const lease = await this.cache.acquire(record.id, () => this.load(record));
    try {
      checkIndices(
        decoded,
        lease.value.indexBounds,
        lease.value.signature.inputs.map((i) => i.name),
      );
      const outputs = await lease.value.batcher.submit(decoded).catch((error: unknown) => {
        if (error instanceof KilnError) throw error;
        // The batcher only fails a request whose own run failed (it reruns a failed batch request by
        // request), so a TensorFlow.js error here comes from this input's values, e.g. an index the
        // checks above do not know about: a 400 saying what tfjs said, not a 500.
        this.log.warn(
          { modelId: record.id, error: (error as Error)?.message ?? String(error) },
          'predict failed on this input',
        );
        throw servingErrors.invalidInput(
          'instances' in body ? 'instances' : 'inputs',
          `the model cannot run on this input: ${(error as Error)?.message ?? String(error)}`,
        );
      });
      const heads = describeHeads(
        lease.value.signature.outputs.map((o, i) => ({ ...o, activation: lease.value.outputActivations[i] })),
        record.labels,
      );
      return { count: decoded.count, outputs, heads };
    } finally {
      lease.release();
    }
  }

  /** Loads a model now (e.g. before reporting it ready); resolves once it is warmed up. */
  async warm(record: ServedModelRecord): Promise<void> {
    (await this.cache.acquire(record.id, () => this.load(record))).release();
  }

  /**
   * The registry row of a loaded model, by id, so requests that name a loaded model by id skip the
   * database. Rows do not change once registered (a deleted one is unloaded at once).
   */
  loadedRecord(id: string): ServedModelRecord | undefined {
    return this.cache.peek(id)?.record;
  }

  /** 'loading', 'ready', or undefined when the model is not in memory. */
  state(id: string): 'loading' | 'ready' | undefined {
    return this.cache.state(id);
  }

  /** Drops a model from memory (it was deleted); its tensors are freed once running requests end. */
  unload(id: string): void {
    this.deleted.add(id);
    this.cache.remove(id);
  }

  /** Batches run and instances in them for a loaded model (undefined when it is not loaded). */
  batchStats(id: string): { batches: number; instances: number } | undefined {
    const stats = this.cache.peek(id)?.batcher.stats;
    return stats ? { ...stats } : undefined;
  }

  /** Bytes of weights in memory, and how many models. */
  stats(): { bytes: number; models: number } {
    return { bytes: this.cache.usedBytes, models: this.cache.size };
  }

  close(): void {
    this.cache.clear();
  }

  private async load(record: ServedModelRecord): Promise<Loaded<LoadedModel>> {
    const started = performance.now();
    // With inference threads, the artifacts are kept to load the model into each thread.
    const handler = artifactIOHandler(this.artifacts, record.path);
    const artifacts = this.pool ? await handler.load!() : undefined;
    const model = await tf.loadLayersModel(artifacts ? tf.io.fromMemory(artifacts) : handler);
    try {
      // Names come from the registered signature (a loaded Sequential reports no output names), shapes and dtypes from the model.
      const own = modelSignature(model);
      const signature: ModelSignature = {
        inputs: own.inputs.map((t, i) => ({ ...t, name: record.signature.inputs[i]?.name ?? t.name ?? `input_${i}` })),
        outputs: own.outputs.map((t, i) => ({
          ...t,
          name: record.signature.outputs[i]?.name ?? t.name ?? `output_${i}`,
        })),
      };
      const loaded: LoadedModel = {
        record,
        model,
        signature,
        // From each output tensor's source layer: a loaded Sequential has neither outputLayers nor outputNames.
        outputActivations: model.outputs.map((t) => t.sourceLayer.getConfig().activation as string | undefined),
        indexBounds: model.inputs.map(embeddingBound),
        batcher: new MicroBatcher(this.runner(record.id, model, signature), {
          concurrency: this.pool?.size ?? 1,
          maxSize: this.options.batchMaxSize,
          timeoutMs: this.options.batchTimeoutMs,
          maxQueue: this.options.maxQueue,
          label: `${record.name} version ${record.version}`,
          onBatch: (instances, waits) => this.observers.batch?.(record, instances, waits),
        }),
      };
      // Warm-up: the first predict compiles kernels and allocates; pay it before any client waits on it.
      await runBatch(model, signature, zeros(signature));
      if (this.pool && artifacts) {
        this.pool.register(record.id, artifacts, signature);
        await this.pool.warm(record.id, zeros(signature));
      }
      if (this.deleted.has(record.id)) throw servingErrors.modelNotFound(record.id);
      const weights = model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4, 0);
      // Every copy counts against the cache: this one, the artifacts kept for the threads, each thread's.
      const bytes = this.pool ? weights * (this.pool.size + 2) : weights;
      this.log.info(
        {
          modelId: record.id,
          name: record.name,
          version: record.version,
          bytes,
          ms: Math.round(performance.now() - started),
        },
        'model loaded',
      );
      return { value: loaded, bytes };
    } catch (error) {
      model.dispose();
      this.pool?.unload(record.id);
      throw error;
    }
  }

  /** How a model's batches run: on an inference thread, or here on the event loop. */
  private runner(
    id: string,
    model: tf.LayersModel,
    signature: ModelSignature,
  ): (batch: BatchRequest) => Promise<OutputRows[]> {
    const pool = this.pool;
    return pool ? (batch) => pool.run(id, batch) : (batch) => runBatch(model, signature, batch);
  }
}

/** The smallest input_dim of the Embedding layers an input feeds directly, if it feeds any. */
function embeddingBound(input: tf.SymbolicTensor): IndexBound | undefined {
  let bound: IndexBound | undefined;
  for (const node of input.sourceLayer.outboundNodes) {
    const layer = node.outboundLayer;
    if (layer.getClassName() !== 'Embedding') continue;
    const inputDim = layer.getConfig().inputDim as number;
    if (!bound || inputDim < bound.inputDim) bound = { inputDim, layer: layer.name };
  }
  return bound;
}
