import type { FastifyInstance } from 'fastify';

const isJson = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';

/**
 * Makes the POST routes of the calling plugin's own (encapsulated) scope read the body as JSON whatever
 * its content-type, as TensorFlow Serving does: `curl -d '{"instances": …}'` (README's example) sends
 * application/x-www-form-urlencoded, Python's `requests.post(url, data=json.dumps(…))` sends none, some
 * clients send text/plain; those were 415s or a string body. The request is marked JSON before parsing
 * rather than given a parser of its own, so it goes through the app's one JSON parser with its guards
 * and errors. A hook of this scope only: the rest of the api (multipart uploads included) is unchanged.
 */
export function parseEveryBodyAsJson(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const type = request.headers['content-type'];
    if (type !== undefined && isJson(type)) return;
    if (type === undefined) {
      // No content-type and no body: leave it bodiless (the route then says what is missing).
      const length = request.headers['content-length'];
      if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return;
    }
    // Fastify's documented header setter: adds to what request.headers answers, raw headers untouched.
    request.headers = { 'content-type': 'application/json' };
  });
}
