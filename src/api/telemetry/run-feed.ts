import { isFinalEvent, type RunEvent } from '../../domain/run-event.ts';
import type { EventHub } from './event-hub.ts';

/**
 * One run's events for one watcher: every stored event after `since`, then live ones, in seq order
 * with no duplicate. Live events are listened to before the replay starts and held until it ends,
 * so nothing published in between is missed; anything at or below the last delivered seq is skipped.
 */
export class RunFeed {
  private lastSeq: number;
  private buffer: RunEvent[] | undefined = [];
  private unsubscribe?: () => void;
  private stopped = false;
  private finalSent = false;

  constructor(
    private readonly hub: EventHub,
    private readonly replay: (runId: string, since: number) => AsyncIterable<RunEvent>,
    readonly runId: string,
    since: number,
    private readonly deliver: (event: RunEvent) => void,
  ) {
    this.lastSeq = since;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.hub.subscribe(this.runId, (event) => {
      if (this.buffer) this.buffer.push(event);
      else this.emit(event);
    });
    for await (const event of this.replay(this.runId, this.lastSeq)) {
      if (this.stopped) return;
      this.emit(event);
    }
    const held = this.buffer ?? [];
    this.buffer = undefined;
    for (const event of held) this.emit(event);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }

  /** Whether the run's final status has been handed to the watcher (its stream is complete). */
  get ended(): boolean {
    return this.finalSent;
  }

  /** The seq of the last event handed to the watcher: where a reconnect resumes. */
  get position(): number {
    return this.lastSeq;
  }

  private emit(event: RunEvent): void {
    if (this.stopped || event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    if (isFinalEvent(event)) this.finalSent = true;
    this.deliver(event);
  }
}
