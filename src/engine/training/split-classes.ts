import type { NdArray } from '../../domain/arrays.ts';
import type { LogData } from '../../domain/run-event.ts';

/** One split of a run's rows of a class-labelled dataset: rows [from, to) of `y`. */
export interface SplitRows {
  name: 'train' | 'validation' | 'test';
  y: NdArray;
  from: number;
  to: number;
}

const MAX_LISTED = 10;

const list = (classes: number[]) =>
  classes.length > MAX_LISTED
    ? `${classes.slice(0, MAX_LISTED).join(', ')} and ${classes.length - MAX_LISTED} more`
    : classes.join(', ');

/** The classes of a split's rows, when its labels are one class index per sample; else undefined. */
function classesOf(split: SplitRows): Set<number> | undefined {
  const { y } = split;
  if (y.shape.length > 2 || (y.shape[1] ?? 1) !== 1) return undefined;
  const classes = new Set<number>();
  for (let i = split.from; i < split.to; i++) classes.add(y.data[i]!);
  return classes;
}

/**
 * What the run's log says of its splits' classes: how many each holds and, as a warning, classes a
 * validation or test split holds that no training row has. Splits take the last rows, so a dataset
 * stored sorted by class validates and tests on classes it never trained on, and still "succeeds".
 */
export function splitClassLogs(splits: SplitRows[]): LogData[] {
  const classes = splits.map((s) => ({ split: s, classes: classesOf(s) }));
  const train = classes.find((c) => c.split.name === 'train')?.classes;
  if (!train || classes.some((c) => !c.classes)) return [];
  const logs: LogData[] = [
    {
      level: 'info',
      message: `splits: ${classes.map((c) => `${c.split.name} ${c.split.to - c.split.from} rows (${c.classes!.size} classes)`).join(', ')}`,
    },
  ];
  for (const { split, classes: held } of classes) {
    if (split.name === 'train') continue;
    const unseen = [...held!].filter((c) => !train.has(c)).sort((a, b) => a - b);
    if (unseen.length === 0) continue;
    logs.push({
      level: 'warn',
      message: `the ${split.name} split holds ${unseen.length === 1 ? 'class' : 'classes'} ${list(unseen)} that no training row has: the model is ${split.name === 'test' ? 'tested' : 'validated'} on classes it never learns (splits take the last rows; store the rows shuffled)`,
      split: split.name,
      classes: unseen,
    });
  }
  return logs;
}
