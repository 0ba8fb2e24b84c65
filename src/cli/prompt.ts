import { createInterface } from 'node:readline';

/**
 * Asks one question on stderr and answers the line typed on stdin, or undefined when stdin is
 * closed or not readable (a pipe with nothing to say, /dev/null): the caller takes its default.
 */
export function ask(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WriteStream,
  question: string,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: stdin, output: stderr, terminal: false });
    let answered = false;
    stderr.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
      stdin.pause();
    });
  });
}
