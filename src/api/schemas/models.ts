import { Type } from '@sinclair/typebox';
import type { ModelSignature } from '../../domain/model.ts';
import type { Logs } from '../../domain/run-event.ts';
import { JsonOf, Nullable } from './common.ts';

export const ModelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  runId: Nullable(Type.String()),
  signature: JsonOf<ModelSignature>(),
  labels: Nullable(Type.Array(Type.String())),
  createdAt: Type.String({ format: 'date-time' }),
  /** The source run's test metrics. */
  evaluation: Nullable(JsonOf<Logs>()),
  files: Type.Array(Type.String()),
});
