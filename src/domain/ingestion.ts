import { Type, type Static } from '@sinclair/typebox';

/** Where the files of a dataset to ingest come from: uploads waiting in the artifact store, or a URL. */
export const IngestSourceSchema = Type.Union([
  Type.Object({ kind: Type.Literal('uploads'), keys: Type.Array(Type.String(), { minItems: 1 }) }),
  Type.Object({ kind: Type.Literal('url'), url: Type.String(), sha256: Type.Optional(Type.String()) }),
]);

/** An ingestion: read the source, parse and validate it, store its arrays under datasets/<id>. */
export const IngestRequestSchema = Type.Object({
  datasetId: Type.String({ minLength: 1 }),
  name: Type.String(),
  source: IngestSourceSchema,
  /** Parser options (format, csv label/feature columns, image size and channels). */
  options: Type.Record(Type.String(), Type.Unknown()),
  limits: Type.Object({
    maxUncompressedBytes: Type.Number(),
    maxFiles: Type.Integer(),
    /** KILN_MAX_CSV_COLUMNS (absent in jobs queued before it existed: the parser's default applies). */
    maxCsvColumns: Type.Optional(Type.Integer()),
    maxDownloadBytes: Type.Number(),
    allowPrivateUrls: Type.Boolean(),
  }),
});

export type IngestRequest = Static<typeof IngestRequestSchema>;

/** What a finished ingestion returns (the api copies it to the dataset row). */
export interface IngestResult {
  format: string;
  sha256: string;
  sizeBytes: number;
  meta: Record<string, unknown>;
}
