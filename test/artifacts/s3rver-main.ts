// Runs an s3rver (a fake S3 server) in a process of its own; started by s3rver-process.ts, not by hand.
// Usage: node --openssl-legacy-provider --import tsx s3rver-main.ts <data directory> <bucket>
// Prints `{"port":N}` once listening on 127.0.0.1, and exits when its stdin closes.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

// stdin closes when the parent stops us or dies, so a crashed test run leaves no server behind.
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().finally(() => process.exit(0));
});
