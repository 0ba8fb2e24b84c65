import { Type } from '@sinclair/typebox';
import { AnyObject, Nullable } from './common.ts';

export const ModelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  runId: Nullable(Type.String()),
  signature: AnyObject,
  labels: Nullable(Type.Array(Type.String())),
  createdAt: Type.String({ format: 'date-time' }),
  evaluation: Nullable(AnyObject),
  files: Type.Array(Type.String()),
});
