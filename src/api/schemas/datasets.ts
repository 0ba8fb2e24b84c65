import { Type } from '@sinclair/typebox';
import { JsonOf, Nullable } from './common.ts';

/** One decoded example of a dataset: an image as a PNG data URL, or its numbers; its label and class name. */
export interface DatasetSample {
  image?: string;
  values?: unknown;
  label?: number | number[];
  className?: string;
  /** A dataset of named arrays: each array's part of the sample, an image or its values. */
  arrays?: Record<string, { image?: string; values?: number | number[] }>;
  [fact: string]: unknown;
}

export const DatasetStatus = Type.Union([Type.Literal('ingesting'), Type.Literal('ready'), Type.Literal('failed')]);

/** JSON form of POST /datasets: fetch a file from a URL. */
export const CreateDatasetFromUrl = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    format: Type.Optional(Type.Union(['idx', 'npy', 'npz', 'csv', 'image-zip'].map((f) => Type.Literal(f)))),
    labelColumn: Type.Optional(Type.String()),
    /** Several label columns: the dataset becomes named arrays, `features` and one per label column. */
    labelColumns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    featureColumns: Type.Optional(Type.Array(Type.String())),
    /** Feature columns of text values, one-hot encoded over their values (recorded, and applied at predict time). */
    categoricalColumns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    size: Type.Optional(Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })])),
    channels: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)])),
  },
  { additionalProperties: false },
);

export const CreatedDataset = Type.Object({ id: Type.String(), status: DatasetStatus });

export const DatasetView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  format: Type.String(),
  status: DatasetStatus,
  error: Nullable(Type.String()),
  sha256: Nullable(Type.String()),
  sizeBytes: Nullable(Type.Number()),
  samples: Nullable(Type.Record(Type.String(), Type.Integer())),
  inputShape: Nullable(Type.Array(Type.Integer())),
  dtype: Nullable(Type.String()),
  labelKind: Nullable(Type.String()),
  classes: Nullable(Type.Array(Type.String())),
  /** A dataset of named arrays (one per model input and output): each array's dtype, sample shape and, for class indices, their range. */
  arrays: Nullable(
    Type.Record(
      Type.String(),
      Type.Object({
        dtype: Type.String(),
        shape: Type.Array(Type.Integer()),
        range: Nullable(Type.Object({ min: Type.Number(), max: Type.Number(), integers: Type.Boolean() })),
        /** Class names, for an array of class indices read from names (a CSV's text label column). */
        classes: Type.Optional(Type.Array(Type.String())),
      }),
    ),
  ),
  /** A CSV's feature columns in order, when some are categorical: each one's values (its one-hot vocabulary). */
  featureColumns: Nullable(
    Type.Array(Type.Object({ name: Type.String(), values: Type.Optional(Type.Array(Type.String())) })),
  ),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SamplesQuery = Type.Object(
  { n: Type.Integer({ minimum: 1, maximum: 256, default: 16 }) },
  { additionalProperties: false },
);

export const DatasetSamples = Type.Object({ samples: Type.Array(JsonOf<DatasetSample>()) });
