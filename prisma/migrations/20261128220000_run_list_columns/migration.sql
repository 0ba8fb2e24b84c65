-- AlterTable
ALTER TABLE "runs" ADD COLUMN "compiled_metrics" JSONB;

-- What a runs list shows, taken out of the specs once (a spec can hold megabytes of inline data):
-- the compiled metrics, and the dataset id for built-in datasets too (registered ones had it already).
UPDATE "runs" SET "compiled_metrics" = "spec"->'compile'->'metrics', "dataset_id" = COALESCE("dataset_id", "spec"->'dataset'->>'id');
