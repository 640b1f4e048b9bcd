/**
 * `derive` once per object: what many callers ask of the same object (a cached row, a schedule as read) is made once
 * and shared, and goes with the object when it is collected.
 */
export function memoizedPerObject<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const derived = new WeakMap<K, V>();
  return (key) => {
    if (!derived.has(key)) derived.set(key, derive(key));
    return derived.get(key)!;
  };
}
