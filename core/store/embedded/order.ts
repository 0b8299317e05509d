/** Sort orders of the listings, as nedb and MongoDB sort: numbers by value, strings by code unit. */

export type Entry<T> = readonly [key: string, record: T];

export function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Records of `entries` ordered by key. */
export function byKey<T>(entries: Iterable<Entry<T>>): T[] {
  return [...entries].sort((a, b) => compare(a[0], b[0])).map(([, record]) => record);
}

/** Records of `entries` ordered by a numeric member, then key; `direction` -1 for newest first. */
export function byMember<T>(entries: Iterable<Entry<T>>, member: keyof T, direction: 1 | -1 = 1): T[] {
  return [...entries]
    .sort((a, b) => direction * compare(a[1][member] as number, b[1][member] as number) || compare(a[0], b[0]))
    .map(([, record]) => record);
}
