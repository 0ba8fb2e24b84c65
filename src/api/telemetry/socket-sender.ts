import type { WebSocket } from 'ws';
import type { RunEvent } from '../../domain/run-event.ts';

export interface SenderLimits {
  /** Above this many unsent bytes, batch events are dropped (counted, reported in the next message). */
  softBytes: number;
  /** Above this, the socket is closed with 1013 and the client resumes with `since`. */
  hardBytes: number;
}

/**
 * Sends events to one WebSocket with a bounded buffer. ws's send() never refuses, so a client that
 * stops reading would grow the server's memory without limit; instead, batch events are dropped
 * first, and past the hard bound the socket is closed. Epoch and status events are never dropped.
 */
export class SocketSender {
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SenderLimits,
    private readonly resumeHint: () => string,
  ) {
    socket.once('close', () => (this.closed = true));
  }

  send(event: RunEvent): void {
    if (this.closed) return;
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.limits.hardBytes) {
      this.close(1013, `too slow: ${buffered} bytes unsent; reconnect with ${this.resumeHint()}`);
      return;
    }
    if (event.type === 'batch' && buffered > this.limits.softBytes) {
      this.dropped++;
      return;
    }
    const message = this.dropped ? { ...event, dropped: this.dropped } : event;
    this.dropped = 0;
    this.socket.send(JSON.stringify(message));
  }

  /** Sends a message that is not an event (acknowledgements, errors). */
  sendControl(message: object): void {
    if (!this.closed) this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason.slice(0, 120));
    // A peer that reads nothing never acknowledges the close frame either.
    setTimeout(() => this.socket.terminate(), 2000).unref();
  }
}
