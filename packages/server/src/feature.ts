import type { FastifyInstance } from 'fastify';
import type { SocketHandlers } from './infra/socket-handler.js';
import type { AgentSocket } from './sockets.js';

/**
 * What a feature folder's face (`index.ts`) hands the app to wire: its routes, its socket handlers, and
 * what it does at start and stop. What it offers other features is the rest of the face's return value.
 */
export interface Feature {
  /** Registers the feature's REST routes (its plugins, with their prefixes). */
  routes?: (app: FastifyInstance) => Promise<void>;
  /** Handlers of a dashboard socket that passed the handshake. */
  onDashboard?: (socket: AgentSocket) => void;
  /**
   * Registers, once, the handlers every agent socket shares (`handlers.onAgent`, `onAgentDisconnect`): they take the
   * socket, so that an agent socket costs no closures of its own (a node holds tens of thousands).
   */
  agentHandlers?: (handlers: SocketHandlers) => void;
  /** Before listening, in the order the features are listed: take up what a crash left, start timers. */
  start?: () => Promise<void>;
  /** At shutdown, in reverse order, while sockets are still open: stop timers, hand clients over. */
  stop?: () => Promise<void>;
  /** At shutdown, once every socket is closed. */
  drain?: () => Promise<void>;
}

