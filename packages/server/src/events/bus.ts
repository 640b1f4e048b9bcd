/** A listener may do async work; the bus logs its rejection instead of dropping it. */
export type Listener<P> = (payload: P) => void | Promise<unknown>;

/**
 * A small in-process event bus, typed from one map of event names to payloads. `emit` runs the listeners
 * synchronously, in the order they were added, and allocates nothing of its own: it is safe on hot paths
 * (a connect, a drop). `emitAndWait` is for the few places whose caller must answer only once every
 * reaction is done (an ack that promises what the reactions did).
 */
export class EventBus<Events extends object> {
  private readonly listeners: { [E in keyof Events]?: Array<Listener<Events[E]>> } = {};

  constructor(private readonly onError: (event: keyof Events, err: unknown) => void) {}

  /** Adds a listener; returns how to remove it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const list = (this.listeners[event] ??= []);
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      try {
        const result = list[i](payload);
        if (result) result.catch((err: unknown) => this.onError(event, err));
      } catch (err) {
        this.onError(event, err);
      }
    }
  }

  /** Runs the listeners one after another, each awaited; the first failure rejects. */
  async emitAndWait<E extends keyof Events>(event: E, payload: Events[E]): Promise<void> {
    for (const listener of this.listeners[event] ?? []) await listener(payload);
  }
}
