import type { Socket } from 'socket.io';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { costOf, frameBytes, kindOf, takeFromBudget, type BudgetSettings, type EventBudgets, type EventKind } from './event-budgets.js';

type AnySocket = Socket<any, any, any, any>;

/** An event let through, with what to call once it was answered; or refused before it was queued. */
export type Admission = { admitted: true; done: () => void } | { admitted: false; error: AppError; warn: boolean };

export type GateSettings = BudgetSettings & Pick<Config, 'MAX_FRAME_BYTES_IN_FLIGHT'>;

/** When to send a frame again after `backlog_full`: about the time a write of the frames ahead takes. */
export const BACKLOG_RETRY_MS = 500;

interface SocketState {
  budgets: EventBudgets;
  /** Bytes of frames received and not yet answered (queued or being written). */
  inFlight: number;
  /** Kinds refused since their last admitted event (bits of WARNED_BIT): a sender without acks is warned once per run of refusals. */
  warned: number;
}

const WARNED_BIT: Record<EventKind, number> = { frames: 1, connects: 2, alerts: 4, other: 8 };

const rateLimited = (event: string, retryAfterMs: number) =>
  new AppError('rate_limited', `Too many ${event} events from this connection: send it again in ${Math.ceil(retryAfterMs / 1000)} s`, 429, {
    retry_after_ms: retryAfterMs,
  });

const backlogFull = (inFlight: number) =>
  new AppError(
    'backlog_full',
    `${Math.round(inFlight / 1024)} KiB of frames from this connection are still being written: wait for each frame's ack before sending the next`,
    429,
    { retry_after_ms: BACKLOG_RETRY_MS },
  );

/**
 * Decides on each agent event as it arrives, before it is queued or parsed further (docs/SECURITY.md "Limits"):
 * per socket, a token bucket per kind of event, and a bound on the frame bytes waiting to be written, so that a
 * sender that does not wait for acks cannot make the server hold its frames. Dashboards (logged-in users) pass.
 */
export function createSocketGate(settings: GateSettings) {
  const states = new WeakMap<AnySocket, SocketState>();
  const stateOf = (socket: AnySocket) => {
    let state = states.get(socket);
    if (!state) {
      state = { budgets: {}, inFlight: 0, warned: 0 };
      states.set(socket, state);
    }
    return state;
  };

  function refuse(state: SocketState, kind: EventKind, error: AppError): Admission {
    const warn = (state.warned & WARNED_BIT[kind]) === 0;
    state.warned |= WARNED_BIT[kind];
    return { admitted: false, error, warn };
  }

  function admitFrame(state: SocketState, payload: unknown): Admission {
    const size = frameBytes(payload);
    // One frame is always taken, whatever its size (the handler refuses one above MAX_FRAME_BYTES).
    if (state.inFlight > 0 && state.inFlight + size > settings.MAX_FRAME_BYTES_IN_FLIGHT) return refuse(state, 'frames', backlogFull(state.inFlight));
    const waitMs = takeFromBudget(state.budgets, 'frames', costOf('frames', payload), settings);
    if (waitMs) return refuse(state, 'frames', rateLimited('video-frame', waitMs));
    state.inFlight += size;
    state.warned &= ~WARNED_BIT.frames;
    return { admitted: true, done: () => (state.inFlight -= size) };
  }

  return {
    admit(socket: AnySocket, event: string, payload: unknown): Admission {
      if (socket.data?.role !== 'agent') return { admitted: true, done: () => undefined };
      const state = stateOf(socket);
      const kind = kindOf(event);
      if (kind === 'frames') return admitFrame(state, payload);
      const waitMs = takeFromBudget(state.budgets, kind, costOf(kind, payload), settings);
      if (waitMs) return refuse(state, kind, rateLimited(event, waitMs));
      state.warned &= ~WARNED_BIT[kind];
      return { admitted: true, done: () => undefined };
    },
  };
}

export type SocketGate = ReturnType<typeof createSocketGate>;
