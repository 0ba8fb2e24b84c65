import WebSocket from 'ws';
import { isFinalEvent, type RunEvent, type StatusEvent } from '../domain/run-event.ts';
import type { KilnClient } from './client.ts';
import { ApiRequestError, CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

export type { RunEvent };

export interface FollowOptions {
  /** Deliver events after this seq (0: from the first). */
  since?: number;
  onEvent(event: RunEvent): void;
  /** Told when the connection dropped and is being reopened. */
  onReconnect?(info: { since: number; reason: string; attempt: number }): void;
  /** Give up after this long without managing to reconnect. */
  reconnectForMs?: number;
}

/** A watch in progress: `done` resolves with the final status event, or undefined once stop() detached. */
export interface RunFollower {
  done: Promise<StatusEvent | undefined>;
  /** The seq of the last event delivered. */
  readonly lastSeq: number;
  stop(): void;
}

/**
 * Follows a run's events over the WebSocket until its final status. When the connection drops
 * (server restart, proxy timeout, 1013 for a slow reader) it reconnects with `since=<last seq>`, so
 * every event is delivered once, in order. A 404 or 401 on connect is final, not retried.
 */
export function followRun(client: KilnClient, runId: string, options: FollowOptions): RunFollower {
  let lastSeq = options.since ?? 0;
  let socket: WebSocket | undefined;
  let stopped = false;
  let finish!: (event: StatusEvent | undefined) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<StatusEvent | undefined>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const giveUpAfter = options.reconnectForMs ?? 60_000;
  let failingSince: number | undefined;
  let attempt = 0;

  const connect = () => {
    if (stopped) return;
    let final: StatusEvent | undefined;
    let refused: Error | undefined;
    const ws = new WebSocket(client.wsUrl(`/runs/${encodeURIComponent(runId)}/events`, { since: lastSeq }), {
      headers: client.authHeaders,
    });
    socket = ws;
    ws.on('open', () => {
      failingSince = undefined;
      attempt = 0;
    });
    ws.on('message', (raw) => {
      let message: RunEvent;
      try {
        message = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (typeof message.seq !== 'number' || message.seq <= lastSeq) return;
      lastSeq = message.seq;
      options.onEvent(message);
      if (isFinalEvent(message)) final = message;
    });
    ws.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let body: { error?: { message?: string; code?: string; details?: unknown } } | undefined;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const status = response.statusCode ?? 0;
        if (status === 401 || status === 404) {
          let message = body?.error?.message ?? `HTTP ${status}`;
          if (status === 401) message += ' — the server refused the token; pass --token or set KILN_API_TOKEN';
          refused = new ApiRequestError(status, body?.error?.code ?? `http_${status}`, message, body?.error?.details);
        }
        ws.terminate();
      });
    });
    ws.on('error', () => {
      // 'close' follows and decides what to do.
    });
    ws.on('close', (code, reason) => {
      if (stopped) return finish(undefined);
      if (final) return finish(final);
      if (refused) return fail(refused);
      const now = Date.now();
      failingSince ??= now;
      if (now - failingSince > giveUpAfter) {
        return fail(
          new CliError(
            `lost the connection to ${client.config.url} and could not reconnect for ${Math.round(giveUpAfter / 1000)}s; the run goes on (kiln logs ${runId} -f to watch again)`,
            EXIT.unreachable,
          ),
        );
      }
      attempt++;
      options.onReconnect?.({ since: lastSeq, reason: reason.toString() || `code ${code}`, attempt });
      setTimeout(connect, Math.min(5000, 250 * 2 ** Math.min(attempt - 1, 5)));
    });
  };
  connect();

  return {
    done,
    get lastSeq() {
      return lastSeq;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (!socket || socket.readyState === WebSocket.CLOSED) finish(undefined);
      else socket.close(1000, 'detached');
    },
  };
}
