// Lookup tables keyed by names from a `.loss` file. A plain object literal inherits
// `toString`, `constructor`, `__proto__`, `hasOwnProperty`, `valueOf`… from Object.prototype, so
// `name in table` and `table[name]` would find them for a file that writes `toString(x)` or
// `train sgd(constructor = 1)`. These tables have no prototype, and lookups test own keys only.

/** A frozen table without a prototype: only the given names are in it. */
export function nameTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  const table = Object.create(null) as Record<string, T>;
  for (const [k, v] of Object.entries(entries)) table[k] = v;
  return Object.freeze(table);
}

/** Whether `name` is one of the table's own names (never an inherited property). */
export function hasName(table: object, name: string): boolean {
  return Object.hasOwn(table, name);
}

/** The table's entry for `name`, or undefined (never an inherited property). */
export function lookupName<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
