/**
 * A DataLoader batch schedule for statements that each cost a commit or a round trip whatever they carry: a batch
 * goes on the loop's next turn, but no sooner than `spacingMs` after the previous one went. A lone request waits for
 * nothing; in a storm each batch carries what arrived over `spacingMs` instead of the one or two requests of a turn
 * (a commit costs ~0.5 ms on SQLite however many rows it holds: docs/bench-log/presence.md, 2026-12-02).
 */
export function spacedBatches(spacingMs: number, now: () => number = () => performance.now()) {
  let lastDispatch = -Infinity;
  return (dispatch: () => void) => {
    const run = () => {
      lastDispatch = now();
      dispatch();
    };
    const wait = lastDispatch + spacingMs - now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait);
  };
}
