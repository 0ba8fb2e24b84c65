import { pino, type Logger } from 'pino';

/** A URL with the value of any `token` query parameter replaced (browsers pass the API token so on WebSockets). */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** How requests appear in the log: never with the API token they may carry in their URL. */
export const requestSerializers = {
  req(request: {
    method?: string;
    url?: string;
    headers?: Record<string, unknown>;
    host?: string;
    socket?: { remoteAddress?: string };
  }) {
    return {
      method: request.method,
      url: request.url ? redactToken(request.url) : request.url,
      host: request.host ?? request.headers?.host,
      remoteAddress: request.socket?.remoteAddress,
    };
  },
};

/** The process logger: JSON lines on stdout, one `process` field saying which Kiln process wrote it. */
export function createLogger(level: string, processName: string): Logger {
  return pino({ level, base: { process: processName, pid: process.pid }, serializers: requestSerializers });
}
