/** The pids of the processes a worker forked to ingest datasets (all, or one dataset's), in order, from its log. */
export function ingestionPids(workerOutput: string, datasetId?: string): number[] {
  return workerOutput
    .split('\n')
    .filter((line) => line.includes('"ingestion process started"') && (!datasetId || line.includes(datasetId)))
    .map((line) => (JSON.parse(line) as { pid: number }).pid); // the last "pid" key: the child's
}
