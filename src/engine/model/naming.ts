/** Keras' to_snake_case, used for default layer names (Conv2D → conv2d, ReLU → re_lu). */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** snake_case → camelCase for argument keys (`kernel_size` → `kernelSize`); camelCase passes through. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Hands out Keras-style default names (dense, dense_1, ...) that avoid names already taken. */
export class NameAllocator {
  private readonly taken: Set<string>;
  private readonly counters = new Map<string, number>();
  constructor(taken: Iterable<string>) {
    this.taken = new Set(taken);
  }
  /** Next free default name for a layer of this Keras class. */
  next(className: string): string {
    const base = kerasSnakeCase(className);
    let n = this.counters.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.taken.has(name)) name = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    this.taken.add(name);
    return name;
  }
}
