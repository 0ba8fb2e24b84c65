/**
 * A table's own entry for a name a user gave, or undefined. `TABLE[name]` would also find what every
 * object inherits (`constructor`, `toString`, `__proto__`…) and hand a function to code expecting an
 * entry; every lookup of a user-given name in one of Kiln's tables goes through here.
 */
export function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
