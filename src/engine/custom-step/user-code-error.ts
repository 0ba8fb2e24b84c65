/**
 * A failure of the user's own code: its module did not load, its step threw, hung or returned
 * nonsense. `message` says what went wrong in one line (the run's error); `userStack` keeps the
 * frames of the user's module only, named by its file rather than the worker's path (the run's log).
 */
export class UserCodeError extends Error {
  override name = 'UserCodeError';

  constructor(
    message: string,
    readonly userStack: string = message,
  ) {
    super(message);
  }

  /** `what` went wrong because the user's code threw `thrown`, its frames being those in `file`. */
  static thrown(what: string, thrown: unknown, file: string): UserCodeError {
    const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : describeThrown(thrown);
    const frames = thrown instanceof Error ? userFrames(thrown.stack ?? '', file) : [];
    const where = frames[0] ? ` ${frames[0].trim()}` : '';
    return new UserCodeError(`${what}: ${detail}${where}`, [`${what}: ${detail}`, ...frames].join('\n'));
  }
}

function describeThrown(value: unknown): string {
  try {
    return `a thrown ${typeof value}: ${String(JSON.stringify(value)).slice(0, 200)}`;
  } catch {
    return `a thrown ${typeof value}`;
  }
}

/** The stack frames in the user's module, with the directory it was written to left out. */
function userFrames(stack: string, file: string): string[] {
  return stack
    .split('\n')
    .filter((line) => /^\s+at\s/.test(line) && line.includes(file))
    .map((line) => line.replace(/(?:file:\/\/)?\/[^\s()]*\//g, ''));
}
