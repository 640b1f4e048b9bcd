import type { Socket } from 'socket.io';
import type { ErrorReply } from '@vaahshare/protocol';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { SocketGate } from '../limits/socket-gate.js';
import { KeyedSerial } from './serial.js';

type AnySocket = Socket<any, any, any, any>;
type Reply = { ok: true } & object;

export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * Wraps socket event handlers: validates the payload against its schema, runs one socket's events in
 * arrival order, and answers every outcome — through the ack when the sender gave one, else with an
 * `error` event — so that bad input never throws inside Socket.IO and never goes unanswered.
 */
export function createSocketHandlers(ctx: Pick<AppContext, 'log' | 'metrics'>, gate: SocketGate) {
  const perSocket = new KeyedSerial<string>();

  function toErrorReply(event: string, err: unknown): ErrorReply {
    if (err instanceof AppError) {
      ctx.metrics.errors.inc({ kind: err.code });
      return { ok: false, error: err.code, message: err.message, ...err.details };
    }
    ctx.metrics.errors.inc({ kind: 'internal' });
    ctx.log.error({ err, event }, 'socket handler failed');
    return { ok: false, error: 'internal_error', message: 'The server failed to handle this event; try again' };
  }

  const routes = new WeakMap<AnySocket, Map<string, (args: unknown[]) => void>>();

  const takeAck = (args: unknown[]) => (typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: object) => void) : undefined);

  /**
   * Lets an event in (limits/socket-gate.ts) or answers its refusal at once, never queued: through its ack, or —
   * for a sender without acks — one `error` event per run of refusals, so that a flood is not echoed back.
   */
  function admit(socket: AnySocket, event: string, args: unknown[], ack: ((reply: object) => void) | undefined) {
    const admission = gate.admit(socket, event, args[0]);
    if (admission.admitted) return admission.done;
    const reply = toErrorReply(event, admission.error);
    if (ack) ack(reply);
    else if (admission.warn) socket.emit('error', { error: reply.error, message: reply.message, event });
    if (admission.warn) ctx.log.warn({ event, socket: socket.id, error: reply.error }, 'socket event refused by a limit');
    return undefined;
  }

  /**
   * Socket.IO hands events to `socket.on` listeners a tick later and drops them once the socket has
   * disconnected, so an `app-closed` or a last frame sent just before the transport closes would be
   * lost. `onAny` listeners run at once, in arrival order, so events are queued through them.
   */
  function routesOf(socket: AnySocket) {
    let table = routes.get(socket);
    if (!table) {
      const created = new Map<string, (args: unknown[]) => void>();
      socket.onAny((event: string, ...args: unknown[]) => {
        const route = created.get(event);
        if (route) return route(args);
        const ack = takeAck(args);
        if (!admit(socket, event, args, ack)) return;
        const reply = toErrorReply(event, new AppError('unknown_event', `Unknown event ${String(event).slice(0, 64)}`));
        if (ack) ack(reply);
        else socket.emit('error', { error: reply.error, message: reply.message, event });
      });
      routes.set(socket, created);
      table = created;
    }
    return table;
  }

  function on<S extends z.ZodType>(
    socket: AnySocket,
    event: string,
    schema: S,
    handler: (payload: z.output<S>) => Promise<Reply | void>,
  ) {
    routesOf(socket).set(event, (args) => {
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
        return (await handler(parsed.data)) ?? { ok: true };
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
    });
  }

  /** Runs after every event already received from this socket has been handled. */
  function onDisconnect(socket: AnySocket, handler: (reason: string) => Promise<void>) {
    socket.on('disconnect', (reason) => {
      void perSocket.run(socket.id, () => handler(reason)).catch((err) => toErrorReply('disconnect', err));
    });
  }

  return { on, onDisconnect };
}

export type SocketHandlers = ReturnType<typeof createSocketHandlers>;
