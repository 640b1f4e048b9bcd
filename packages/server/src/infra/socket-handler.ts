import type { Socket } from 'socket.io';
import type { ErrorReply } from '@vaahshare/protocol';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { SocketGate } from '../limits/socket-gate.js';
import type { AgentSocket } from '../sockets.js';
import { KeyedSerial } from './serial.js';

type AnySocket = Socket<any, any, any, any>;
type Reply = { ok: true } & object;

export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

type Ack = (reply: object) => void;

const takeAck = (args: unknown[]) => (typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined);

/** How every outcome of an event is answered: its error reply, and the gate's refusals. */
function createAnswers(ctx: Pick<AppContext, 'log' | 'metrics'>, gate: SocketGate) {
  function toErrorReply(event: string, err: unknown): ErrorReply {
    if (err instanceof AppError) {
      ctx.metrics.errors.inc({ kind: err.code });
      return { ok: false, error: err.code, message: err.message, ...err.details };
    }
    ctx.metrics.errors.inc({ kind: 'internal' });
    ctx.log.error({ err, event }, 'socket handler failed');
    return { ok: false, error: 'internal_error', message: 'The server failed to handle this event; try again' };
  }

  /**
   * Lets an event in (limits/socket-gate.ts) or answers its refusal at once, never queued: through its ack, or —
   * for a sender without acks — one `error` event per run of refusals, so that a flood is not echoed back.
   */
  function admit(socket: AnySocket, event: string, args: unknown[], ack: Ack | undefined) {
    const admission = gate.admit(socket, event, args[0]);
    if (admission.admitted) return admission.done;
    const reply = toErrorReply(event, admission.error);
    if (ack) ack(reply);
    else if (admission.warn) socket.emit('error', { error: reply.error, message: reply.message, event });
    if (admission.warn) ctx.log.warn({ event, socket: socket.id, error: reply.error }, 'socket event refused by a limit');
    return undefined;
  }

  return { toErrorReply, admit };
}

/**
 * Wraps socket event handlers: validates the payload against its schema, runs one socket's events in
 * arrival order, and answers every outcome — through the ack when the sender gave one, else with an
 * `error` event — so that bad input never throws inside Socket.IO and never goes unanswered.
 */
export function createSocketHandlers(ctx: Pick<AppContext, 'log' | 'metrics'>, gate: SocketGate) {
  const perSocket = new KeyedSerial<string>();
  const { toErrorReply, admit } = createAnswers(ctx, gate);

  /** A route hands one event's arguments (its ack last, if any) to its handler. */
  type Route = (socket: AnySocket, args: unknown[]) => void;
  /** The handlers every agent socket shares, registered once: an agent socket costs no closure per event. */
  const agentRoutes = new Map<string, Route>();
  const agentGone: Array<(socket: AgentSocket, reason: string) => Promise<void>> = [];
  /** Handlers of one socket (a dashboard's, which keep state of their own), added to it when it connects. */
  const socketRoutes = new WeakMap<AnySocket, Map<string, Route>>();

  const routeOf = (socket: AnySocket, event: string) =>
    socketRoutes.get(socket)?.get(event) ?? (socket.data?.role === 'agent' ? agentRoutes.get(event) : undefined);

  /**
   * Socket.IO hands events to `socket.on` listeners a tick later and drops them once the socket has
   * disconnected, so an `app-closed` or a last frame sent just before the transport closes would be
   * lost. `onAny` listeners run at once, in arrival order, so events are queued through this one, which every
   * socket shares: Socket.IO calls it with the socket as `this`.
   */
  function dispatch(this: AnySocket, event: string, ...args: unknown[]) {
    const route = routeOf(this, event);
    if (route) return route(this, args);
    const ack = takeAck(args);
    if (!admit(this, event, args, ack)) return;
    const reply = toErrorReply(event, new AppError('unknown_event', `Unknown event ${String(event).slice(0, 64)}`));
    if (ack) ack(reply);
    else this.emit('error', { error: reply.error, message: reply.message, event });
  }

  const listen = (socket: AnySocket) => {
    if (!socket.listenersAny().includes(dispatch)) socket.onAny(dispatch);
  };

  /** Runs the gone-handlers after every event already received from this socket has been handled. */
  function agentDisconnected(this: AgentSocket, reason: string) {
    for (const handler of agentGone) void perSocket.run(this.id, () => handler(this, reason)).catch((err) => toErrorReply('disconnect', err));
  }

  function route<S extends z.ZodType>(event: string, schema: S, handler: (socket: AgentSocket, payload: z.output<S>) => Promise<Reply | void>): Route {
    return (socket, args) => {
      const ack = takeAck(args);
      ctx.metrics.events.inc({ event });
      const done = admit(socket, event, args, ack);
      if (!done) return;
      const run = async (): Promise<Reply | ErrorReply> => {
        const parsed = schema.safeParse(args[0]);
        if (!parsed.success) {
          ctx.log.warn({ event, socket: socket.id, problem: describeZodError(parsed.error) }, 'bad socket payload');
          throw new AppError('bad_request', `Invalid ${event} payload: ${describeZodError(parsed.error)}`);
        }
        return (await handler(socket, parsed.data)) ?? { ok: true };
      };
      let announced = false;
      void perSocket
        .run(socket.id, run)
        .catch((err: unknown) => {
          announced = err instanceof AppError && err.announced;
          return toErrorReply(event, err);
        })
        .then((reply) => {
          done();
          if (ack) ack(reply);
          if (!reply.ok && (!ack || announced)) socket.emit('error', { error: reply.error, message: reply.message, event });
        });
    };
  }

  return {
    /** Handles `event` of every agent socket (registered once, at wiring; see `attachAgent`). */
    onAgent<S extends z.ZodType>(event: string, schema: S, handler: (socket: AgentSocket, payload: z.output<S>) => Promise<Reply | void>) {
      if (agentRoutes.has(event)) throw new Error(`Two handlers of the agent event ${event}`);
      agentRoutes.set(event, route(event, schema, handler));
    },
    /** Runs when an agent socket disconnected, after every event already received from it has been handled. */
    onAgentDisconnect(handler: (socket: AgentSocket, reason: string) => Promise<void>) {
      agentGone.push(handler);
    },
    /** An agent socket that passed the handshake: its events go to the agents' handlers from now on. */
    attachAgent(socket: AgentSocket) {
      listen(socket);
      socket.on('disconnect', agentDisconnected);
    },
    /** Handles `event` of this one socket. */
    on<S extends z.ZodType>(socket: AnySocket, event: string, schema: S, handler: (payload: z.output<S>) => Promise<Reply | void>) {
      let table = socketRoutes.get(socket);
      if (!table) socketRoutes.set(socket, (table = new Map()));
      table.set(event, route(event, schema, (_, payload) => handler(payload)));
      listen(socket);
    },
  };
}

export type SocketHandlers = ReturnType<typeof createSocketHandlers>;
