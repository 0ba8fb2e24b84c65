import type { WebSocket } from 'ws';

/** Pings a socket every `intervalMs` and terminates it after two pings without a pong. */
export function keepAlive(socket: WebSocket, intervalMs: number): void {
  let missed = 0;
  socket.on('pong', () => (missed = 0));
  const timer = setInterval(() => {
    if (missed >= 2) {
      socket.terminate();
      return;
    }
    missed++;
    socket.ping();
  }, intervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
