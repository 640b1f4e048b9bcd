/** Work still running, kept so that a shutdown can wait for all of it to end, whatever its outcome. */
export function createInFlight() {
  const running = new Set<Promise<void>>();
  return {
    /** Returns `work` as it is, remembered until it settles. */
    track<T>(work: Promise<T>): Promise<T> {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return work;
    },
    /** Resolves once everything tracked so far has settled. */
    settled: async () => void (await Promise.all(running)),
  };
}
