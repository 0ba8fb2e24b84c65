import { createHash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { ArtifactStore } from '../../artifacts/artifact-store.ts';
import { KilnError } from '../../domain/errors.ts';
import type { RunEventDraft } from '../../domain/run-event.ts';
import { isInline, type RunSpec } from '../../domain/run-spec/schema.ts';
import { isTerminal, type RunStatus } from '../../domain/run-status.ts';
import { validateRunSpec } from '../../engine/spec/validate-run-spec.ts';
import { JOBS, type ControlMessage, type TrainJobPayload, type TrainJobResult } from '../../queue/contracts.ts';
import type { EventPublisher } from '../../queue/event-publisher.ts';
import { bullPriority } from '../../queue/priority.ts';
import type { ServingService } from '../../serving/index.ts';
import type { ModelsRepository } from '../../store/repositories/models.ts';
import type { RunEventsRepository } from '../../store/repositories/run-events.ts';
import type { RunsRepository } from '../../store/repositories/runs.ts';
import type { DatasetsService } from './datasets-service.ts';
import type { RecordAnswer } from './idempotency-service.ts';
import { cursor } from './page-cursor.ts';
import { runListItem, runView } from './run-views.ts';

export interface RunsServiceDeps {
  repo: RunsRepository;
  models: ModelsRepository;
  runEvents: RunEventsRepository;
  publisher: EventPublisher;
  queue: Queue<TrainJobPayload, TrainJobResult>;
  /** Tells every worker something (e.g. to cancel a run it holds). */
  sendControl(message: ControlMessage): Promise<void>;
  datasets: Pick<DatasetsService, 'resolveForRun'>;
  /** A transfer run's base model, resolved (models-service). */
  transferBase(ref: string): Promise<{ modelId: string; path: string; config: Record<string, unknown> }>;
  artifacts: ArtifactStore;
  serving: Pick<ServingService, 'unload'>;
  /** KILN_MAX_PARAMS. */
  maxParams: number;
  /** KILN_ALLOW_USER_CODE: whether a run may carry a trainStep module. */
  allowUserCode: boolean;
}

/** The run lifecycle as the api drives it: create and enqueue, read, cancel, delete. */
export function runsService({
  transferBase,
  repo,
  models,
  runEvents,
  publisher,
  queue,
  sendControl,
  datasets,
  artifacts,
  serving,
  maxParams,
  allowUserCode,
}: RunsServiceDeps) {
  /** Events the api itself originates are published like a worker's and recorded at once, so the
   *  answer and the database agree; the ingester later finds them already there. The highest stored
   *  seq is the floor of a counter Redis may have lost. */
  const emit = async (runId: string, draft: RunEventDraft) => {
    await runEvents.record(await publisher.publish(runId, draft, await runEvents.maxSeq(runId)));
  };

  /**
   * The spec as the worker trains it, with what the api looks up: a transfer base's architecture and
   * files (never taken from the client), and where a dataset given by id lives. The stored spec stays
   * as the client wrote it.
   */
  async function prepare(spec: RunSpec) {
    const dataset = isInline(spec.dataset) ? undefined : await datasets.resolveForRun(spec.dataset.id);
    const heldOut = {
      validationData:
        spec.validationData && (await datasets.resolveForRun(spec.validationData.id, 'validationData.id')),
      testData: spec.testData && (await datasets.resolveForRun(spec.testData.id, 'testData.id')),
    };
    if (spec.model.type !== 'transfer') return { training: spec, dataset, heldOut };
    const { resolved: _untrusted, ...model } = spec.model as { resolved?: unknown; base?: unknown };
    if (typeof model.base !== 'string' || !model.base) {
      throw KilnError.field(
        'model.base',
        'must name a registered model: <id>, <name>, <name>@<version> or <name>@<alias>',
        'invalid_spec',
      );
    }
    const base = await transferBase(model.base).catch((error: unknown) => {
      if (error instanceof KilnError && error.status === 404)
        throw KilnError.field('model.base', error.message, 'invalid_spec');
      throw error;
    });
    return { training: { ...spec, model: { ...model, type: 'transfer' as const, resolved: base } }, dataset, heldOut };
  }

  return {
    /**
     * Validates a spec; on dryRun answers its summary, else stores the run and queues it. With `record`
     * (a request that carries an Idempotency-Key) the run's row and the answer naming it commit together.
     */
    async create(spec: RunSpec, opts: { dryRun: boolean; record?: RecordAnswer }) {
      if (spec.trainStep && !allowUserCode) {
        throw KilnError.field(
          'trainStep',
          'this server does not run user code: a train_step module needs KILN_ALLOW_USER_CODE=true on the api and the workers (it executes on the workers)',
          'user_code_disabled',
        );
      }
      const { training, dataset, heldOut } = await prepare(spec);
      const checked = validateRunSpec(training, {
        maxParams,
        dataset: dataset?.info,
        heldOut: { validationData: heldOut.validationData?.info, testData: heldOut.testData?.info },
      });
      if (!checked.ok) throw KilnError.invalid(checked.errors, 'invalid_spec');
      if (opts.dryRun) return { dryRun: true as const, summary: checked.summary };

      const id = randomUUID();
      // A run always names the exact data it trained on.
      const datasetSha256 = isInline(spec.dataset)
        ? createHash('sha256').update(JSON.stringify(spec.dataset.inline)).digest('hex')
        : dataset?.sha256;
      const data = {
        id,
        name: spec.name,
        spec,
        priority: spec.priority ?? 0,
        datasetSha256,
        datasetId: isInline(spec.dataset) ? undefined : spec.dataset.id,
        compiledMetrics: spec.compile.metrics as object | undefined,
      };
      const created = (row: { createdAt: Date }) => ({
        id,
        status: 'queued' as const,
        createdAt: row.createdAt.toISOString(),
      });
      const run = opts.record
        ? await opts.record(
            (writers) => writers.runs.create(data),
            (row) => ({ status: 201, body: created(row) }),
          )
        : await repo.create(data);
      try {
        // `queued` is published before the job exists, so that it comes before anything a worker reports,
        // and queueing is the last step: once the job is queued, nothing can fail and undo the answer.
        await emit(id, { type: 'status', data: { status: 'queued' } });
        await queue.add(
          JOBS.train,
          {
            runId: id,
            spec: training,
            dataset: dataset?.resolved,
            validationDataset: heldOut.validationData?.resolved,
            testDataset: heldOut.testData?.resolved,
          },
          { jobId: id, priority: bullPriority(spec.priority) },
        );
      } catch (error) {
        // Nothing half-made: a run that could not be queued is not kept (nor the answer naming it).
        await repo.delete(id).catch(() => undefined);
        await publisher.forget(id).catch(() => undefined);
        throw error;
      }
      return { dryRun: false as const, run: created(run) };
    },

    /** Whether a run has reached a terminal status (its final event is stored with it). */
    async hasEnded(id: string): Promise<boolean> {
      const run = await repo.find(id);
      return run !== null && isTerminal(run.status);
    },

    async get(id: string) {
      const run = await repo.findDetail(id);
      if (!run) throw KilnError.notFound('run', id);
      return runView(run);
    },

    async list(query: { status?: RunStatus | RunStatus[]; limit: number; cursor?: string }) {
      const after = query.cursor ? cursor.decode(query.cursor) : undefined;
      if (query.cursor && !after) throw KilnError.field('querystring.cursor', 'is not a cursor this api gave out');
      const status =
        query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status];
      const rows = await repo.list({ status, limit: query.limit + 1, after });
      const page = rows.slice(0, query.limit);
      return {
        runs: page.map(runListItem),
        nextCursor: rows.length > query.limit ? cursor.encode(page.at(-1)!) : null,
      };
    },

    /**
     * Cancels a queued run at once (its job is removed) or a running one within a batch (its worker
     * is told over the control channel and reports `canceled` itself).
     */
    async cancel(id: string) {
      const run = await repo.findStatus(id);
      if (!run) throw KilnError.notFound('run', id);
      if (isTerminal(run.status))
        throw KilnError.conflict(`run ${id} has already ${run.status === 'canceled' ? 'been canceled' : run.status}`);
      const job = await queue.getJob(id);
      // A job the worker has finished carries its final status (and model) on the way to the database;
      // a `canceled` written now would come first and the run's result would be dropped. The
      // reconciler settles a finished job whose final event never comes.
      const state = job ? await job.getState() : undefined;
      if (state === 'completed' || state === 'failed')
        throw KilnError.conflict(`run ${id} has just ended; its final status is being recorded`);
      const removed = job
        ? await job.remove().then(
            () => true,
            () => false,
          )
        : false;
      if (removed || !job) {
        await emit(id, { type: 'status', data: { status: 'canceled' } });
      } else {
        await sendControl({ type: 'cancel', runId: id });
      }
      return { id, status: removed || !job ? ('canceled' as const) : ('canceling' as const) };
    },

    /** Publishes and records an event the api originates for a run (the reconciler's settlements). */
    emit,

    /**
     * Queues a run again from its stored spec, when its job vanished (Redis lost it) and no worker
     * holds it: it resumes from its last checkpoint. A run whose dataset is gone meanwhile fails instead.
     */
    async requeue(id: string, reason: string) {
      const run = await repo.find(id);
      if (!run || isTerminal(run.status)) return;
      const spec = run.spec as RunSpec;
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        prepared = await prepare(spec);
      } catch (error) {
        const message = `its job was lost and it cannot be queued again: ${(error as Error).message}`;
        return emit(id, { type: 'status', data: { status: 'failed', error: { code: 'job_lost', message } } });
      }
      const payload = { runId: id, spec: prepared.training, dataset: prepared.dataset?.resolved };
      await queue.add(JOBS.train, payload, { jobId: id, priority: bullPriority(spec.priority) });
      await emit(id, { type: 'status', data: { status: 'queued', reason } });
    },

    /** Deletes a finished run, its rows and its artifacts. */
    async remove(id: string) {
      const run = await repo.find(id);
      if (!run) throw KilnError.notFound('run', id);
      if (!isTerminal(run.status)) {
        throw KilnError.conflict(`run ${id} is ${run.status}; cancel it before deleting it`);
      }
      const model = await models.findByRun(id);
      if (model && model.aliases.length > 0) {
        throw KilnError.conflict(
          `run ${id}'s model ${model.name} v${model.version} is aliased as ${model.aliases.map((a) => a.alias).join(', ')}; move the alias first`,
        );
      }
      // Rows first: a delete that fails midway must not leave rows pointing at files already gone.
      await repo.delete(id);
      // The model row went with the run; stop serving it, as the registry's delete does (a loaded
      // model would otherwise keep answering /models/<id>/predict from the serving cache).
      if (model) serving.unload(model.id);
      await artifacts.deletePrefix(`runs/${id}`);
      // A model registered from elsewhere than the run's prefix has its own files.
      if (model && !model.path.startsWith(`runs/${id}/`)) await artifacts.deletePrefix(model.path);
      await publisher.forget(id);
      await (await queue.getJob(id))?.remove().catch(() => undefined);
    },
  };
}

export type RunsService = ReturnType<typeof runsService>;
