// What the chat's delivery logic (outbox.ts, chat-delivery.ts) needs from the
// network, and nothing of the DOM: the app hands in its Realtime and Api, the
// fault suite (test/faults/load.ts) a bare socket.io-client and fetch, so the
// suite drives the same delivery code that users run.
import type { ClientToServerEvents, ServerToClientEvents } from './contract.js';

export type Payload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<NonNullable<Parameters<ClientToServerEvents[E]>[1]>>[0];

export interface ChatSocket {
  readonly connected: boolean;
  /** Emits with an ack; a timeout or a lost connection resolves as an error ack (never rejects). */
  request<E extends keyof ClientToServerEvents>(event: E, payload: Payload<E>): Promise<AckOf<E>>;
  /** Returns the function that removes the listener. */
  on<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]): () => void;
  /** Every (re)connect: whatever was missed meanwhile is fetched then. */
  onConnect(fn: () => void): () => void;
}

/** The contract's REST calls; a failure rejects with an ApiError (http.ts), status 0 for no answer. */
export interface ChatRest {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

export interface ChatTransport {
  socket: ChatSocket;
  rest: ChatRest;
}
