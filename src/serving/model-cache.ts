/** What a loader hands the cache: the value and the bytes it holds (weights). */
export interface Loaded<T> {
  value: T;
  bytes: number;
}

interface Entry<T> {
  key: string;
  loaded?: Loaded<T>;
  loading?: Promise<Loaded<T>>;
  /** Requests holding the value right now; an evicted value is disposed when this drops to 0. */
  users: number;
  evicted: boolean;
}

/** A value borrowed from the cache; release it when the request is done with it. */
export interface Lease<T> {
  value: T;
  release(): void;
}

export interface ModelCacheOptions<T> {
  maxBytes: number;
  /** Frees the value (a model's tensors); called once, when it is evicted and no request holds it. */
  dispose(value: T, key: string): void;
  onEvict?(key: string, bytes: number): void;
}

/**
 * Loaded models, least recently used first out once their bytes exceed the budget. Loading is
 * single-flight (concurrent requests for a model that is still loading all wait for the one load), and
 * an evicted or removed model is disposed only once the requests using it have finished.
 */
export class ModelCache<T> {
  // Map iteration order is insertion order: re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;

  constructor(private readonly options: ModelCacheOptions<T>) {}

  /**
   * Borrows the value for `key`, loading it with `load` first if it is not cached; `load` runs once
   * per key however many requests wait for it.
   */
  async acquire(key: string, load: (key: string) => Promise<Loaded<T>>): Promise<Lease<T>> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = { key, users: 0, evicted: false };
      this.entries.set(key, entry);
      entry.loading = load(key);
    }
    entry.users++;
    try {
      if (!entry.loaded) {
        const loaded = await entry.loading!;
        if (!entry.loaded) {
          entry.loaded = loaded;
          entry.loading = undefined;
          if (!entry.evicted) {
            this.bytes += loaded.bytes;
            this.evictOverBudget(key);
          }
        }
      }
    } catch (error) {
      entry.users--;
      // A failed load is forgotten so the next request tries again.
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
    const held = entry;
    let released = false;
    return {
      value: held.loaded!.value,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.evicted && held.users === 0) this.disposeEntry(held);
      },
    };
  }

  /** 'loading' while a load is in flight, 'ready' once loaded, undefined when not in the cache. */
  state(key: string): 'loading' | 'ready' | undefined {
    const entry = this.entries.get(key);
    return entry ? (entry.loaded ? 'ready' : 'loading') : undefined;
  }

  /** The loaded value without touching its recency, if it is loaded. */
  peek(key: string): T | undefined {
    return this.entries.get(key)?.loaded?.value;
  }

  /** Drops a key (a deleted model); its value is disposed once no request holds it. */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.evict(entry);
  }

  /** Drops everything (shutdown). */
  clear(): void {
    for (const entry of [...this.entries.values()]) this.evict(entry);
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Evicts least recently used loaded entries until within budget; never the one just loaded. */
  private evictOverBudget(keep: string): void {
    for (const entry of [...this.entries.values()]) {
      if (this.bytes <= this.options.maxBytes) return;
      if (entry.key !== keep && entry.loaded) this.evict(entry);
    }
  }

  private evict(entry: Entry<T>): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.evicted) return;
    entry.evicted = true;
    if (entry.loaded) {
      this.bytes -= entry.loaded.bytes;
      this.options.onEvict?.(entry.key, entry.loaded.bytes);
      if (entry.users === 0) this.disposeEntry(entry);
    } else {
      // Still loading: dispose what the load produces once the waiting requests are done with it.
      entry.loading?.then(
        (loaded) => {
          entry.loaded = loaded;
          if (entry.users === 0) this.disposeEntry(entry);
        },
        () => undefined,
      );
    }
  }

  private disposeEntry(entry: Entry<T>): void {
    if (!entry.loaded) return;
    const { value } = entry.loaded;
    entry.loaded = undefined;
    this.options.dispose(value, entry.key);
  }
}
