import type * as tf from '@tensorflow/tfjs';
import type { BackendPreference } from '../../engine/backend.ts';
import type { ModelSignature } from '../../domain/model.ts';
import type { BatchRequest } from '../micro-batcher.ts';
import type { OutputRows } from '../types.ts';

/** What the api's event loop sends an inference thread; the thread handles them one at a time, in order. */
export type InferenceRequest =
  | { type: 'init'; backend: BackendPreference }
  | { type: 'load'; id: string; artifacts: tf.io.ModelArtifacts; signature: ModelSignature }
  | { type: 'run'; seq: number; id: string; batch: BatchRequest }
  | { type: 'unload'; id: string };

/** What a thread answers: it listens; a run's outputs, or why it failed. */
export type InferenceReply =
  | { type: 'listening' }
  | { type: 'done'; seq: number; outputs: OutputRows[] }
  | { type: 'failed'; seq: number; message: string };
