/**
 * A Map that holds at most `max` entries and drops the least recently used one to make room
 * (reading an entry with `get` makes it the most recently used). For the per-process caches keyed
 * by text a client chooses — compiled documents, statement shapes, refused documents — so no
 * client can grow them without bound, and cycling through new texts only evicts.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map order is insertion order: re-inserting marks it as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return this;
  }
}
