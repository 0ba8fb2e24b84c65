import { pino, type Logger } from 'pino';

/** The process logger: JSON lines on stdout, one `process` field saying which Kiln process wrote it. */
export function createLogger(level: string, processName: string): Logger {
  return pino({ level, base: { process: processName, pid: process.pid } });
}
