-- Where a model version came from when no run registered it: an imported file, or a run's checkpoint.
ALTER TABLE "models" ADD COLUMN "source" JSONB;
