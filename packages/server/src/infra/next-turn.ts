/**
 * Resolves on the event loop's next turn (after pending I/O callbacks and timers). Awaiting a query does not by
 * itself give the loop a turn: SQLite's statements run synchronously and resolve at once, so a loop of them runs
 * as one long task unless it awaits this between statements.
 */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
