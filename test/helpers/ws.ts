import WebSocket from 'ws';

export interface ReceivedEvent {
  seq: number;
  runId: string;
  type: string;
  time: string;
  data: any;
  dropped?: number;
}

/** A WebSocket client that records every message and how the socket closed. */
export class EventClient {
  readonly events: ReceivedEvent[] = [];
  readonly controls: any[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  /** Transforms each event before it is kept (e.g. to drop bulky fields). */
  strip: (event: ReceivedEvent) => ReceivedEvent = (e) => e;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (typeof message.seq === 'number') this.events.push(this.strip(message));
      else this.controls.push(message);
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once `predicate` holds for the events received so far. */
  async until(predicate: (events: ReceivedEvent[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed before the condition held (${this.events.length} events)`);
      if (Date.now() > deadline) throw new Error(`timed out with ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  close(): void {
    this.socket.close();
  }
}

export const wsUrl = (httpUrl: string, path: string) => httpUrl.replace(/^http/, 'ws') + path;
export const seqs = (events: ReceivedEvent[]) => events.map((e) => e.seq);
export const epochs = (events: ReceivedEvent[]) => events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch);
