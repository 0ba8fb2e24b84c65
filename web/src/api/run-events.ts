import { socketUrl } from './client.ts';
import type { RunEvent } from './types.ts';

/**
 * Follows one run's events over GET /runs/:id/events: every event from the first, then live ones.
 * A socket that drops before the run's final status reconnects with `since` = the last seq seen, so
 * no event is missed or repeated. Returns a function that stops following.
 */
export function followRun(
  runId: string,
  onEvent: (event: RunEvent) => void,
  onConnection?: (open: boolean) => void,
): () => void {
  let since = 0;
  let stopped = false;
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const backoff = new Backoff(1000);

  const connect = () => {
    socket = new WebSocket(socketUrl(`/runs/${encodeURIComponent(runId)}/events`, { since }));
    socket.onopen = () => {
      backoff.opened();
      onConnection?.(true);
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as RunEvent;
      if (typeof event.seq !== 'number' || event.seq <= since) return;
      since = event.seq;
      onEvent(event);
    };
    socket.onclose = (close) => {
      onConnection?.(false);
      // 1000: the run finished and every event was sent.
      if (!stopped && close.code !== 1000) retry = setTimeout(connect, backoff.next());
    };
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    socket?.close();
  };
}

/**
 * Follows every run's events live on GET /events (`{"subscribe": "*"}`), for the runs table.
 * Reconnects after a drop; the caller re-reads the list then, since live-only events are not replayed.
 */
export function followAllRuns(onEvent: (event: RunEvent) => void, onReconnect: () => void): () => void {
  let stopped = false;
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let first = true;
  const backoff = new Backoff(2000);
  const connect = () => {
    socket = new WebSocket(socketUrl('/events'));
    socket.onopen = () => {
      backoff.opened();
      socket!.send(JSON.stringify({ subscribe: '*' }));
      if (!first) onReconnect();
      first = false;
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as RunEvent;
      if (typeof event.seq === 'number' && event.runId) onEvent(event);
    };
    socket.onclose = () => {
      if (!stopped) retry = setTimeout(connect, backoff.next());
    };
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    socket?.close();
  };
}

/**
 * Delay before reconnecting: `base` after a socket that was open dropped (the api restarting),
 * doubling up to 30 s while connections are refused outright (a run that does not exist, a token
 * the api rejects), where retrying every second only fills the console with errors.
 */
class Backoff {
  private refused = 0;
  private wasOpen = false;
  constructor(private readonly base: number) {}
  opened(): void {
    this.wasOpen = true;
    this.refused = 0;
  }
  next(): number {
    if (this.wasOpen) {
      this.wasOpen = false;
      return this.base;
    }
    return Math.min(30_000, this.base * 2 ** this.refused++);
  }
}
