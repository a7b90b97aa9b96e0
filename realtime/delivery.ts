// Everything the realtime tier sends to users goes to rooms through the
// adapter: `user:<id>` (every device of a user, on every node) and
// `session:<sid>` (the sockets of one login). A notification emitted once here
// reaches each device once, whichever node it is connected to.
import type { Server } from 'socket.io';
import type { ChatMessage, ClientToServerEvents, MatchUser, PresenceState, ServerToClientEvents, SocketData } from './events.js';
import { TYPING_TTL_MS } from './events.js';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/** The moderator consoles' sockets (admins who asked for it at connect). */
export const ADMINS_ROOM = 'admins';

type Emit = <E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>) => void;

export class Delivery {
  /** `perRoom`: send a broadcast to several users as one broadcast per user room (ClusterAdapter.broadcastPerRoom). */
  constructor(
    private readonly io: RealtimeServer,
    private readonly perRoom = false,
  ) {}

  /**
   * To every device of these users. Per room, the broadcasts never overlap: a
   * socket is in its own user's room only, so nothing arrives twice.
   */
  private toUsers(userIds: string[], exceptSocketId?: string): { emit: Emit; volatile: { emit: Emit } } {
    const rooms = [...new Set(userIds)].map(userRoom);
    const ops = (this.perRoom ? rooms.map((r) => [r]) : [rooms]).map((rs) => (exceptSocketId ? this.io.to(rs).except(exceptSocketId) : this.io.to(rs)));
    const each =
      (volatile: boolean): Emit =>
      (event, ...args) => {
        for (const op of ops) {
          const target = volatile ? op.volatile : op;
          // Typed at the door (Emit); socket.io's own overloads do not take a spread.
          (target.emit as (...a: unknown[]) => boolean).apply(target, [event, ...args]);
        }
      };
    return { emit: each(false), volatile: { emit: each(true) } };
  }

  /** To the recipients' devices and the sender's other devices (not the socket that sent it). */
  message(message: ChatMessage, recipients: string[], exceptSocketId?: string) {
    this.toUsers([...recipients, message.sender_id], exceptSocketId).emit('message:new', { message });
  }

  /** A read receipt to the peers, and to the reader's other devices (their unread badges). */
  read(conversationId: string, readerId: string, seq: number, peers: string[], exceptSocketId?: string) {
    this.toUsers([...peers, readerId], exceptSocketId).emit('message:read', { conversation_id: conversationId, user_id: readerId, seq });
  }

  /** A reaction set or removed: to the peers and the reactor's other devices. */
  reaction(payload: Parameters<ServerToClientEvents['message:reaction']>[0], peers: string[], exceptSocketId?: string) {
    this.toUsers([...peers, payload.user_id], exceptSocketId).emit('message:reaction', payload);
  }

  /** An edited message as it is now: to the peers and the sender's other devices. */
  edited(message: ChatMessage, peers: string[], exceptSocketId?: string) {
    this.toUsers([...peers, message.sender_id], exceptSocketId).emit('message:edited', { message });
  }

  /** An unsent message to every member's devices; one deleted for the caller only to their other devices. */
  deleted(payload: Parameters<ServerToClientEvents['message:deleted']>[0], peers: string[], userId: string, exceptSocketId?: string) {
    this.toUsers([...peers, userId], exceptSocketId).emit('message:deleted', payload);
  }

  /** Ephemeral: dropped for a socket that cannot take it right now. */
  typing(conversationId: string, userId: string, typing: boolean, peers: string[]) {
    if (!peers.length) return;
    this.toUsers(peers).volatile.emit('typing', {
      conversation_id: conversationId,
      user_id: userId,
      typing,
      ...(typing ? { expires_in_ms: TYPING_TTL_MS } : {}),
    });
  }

  presence(userId: string, state: PresenceState, watchers: string[]) {
    if (!watchers.length) return;
    this.toUsers(watchers).emit('presence', { user_id: userId, ...state });
  }

  matchNew(userId: string, payload: { match_id: string; conversation_id: string; user: MatchUser | null }) {
    this.toUsers([userId]).emit('match:new', payload);
  }

  matchRemoved(userIds: string[], payload: { match_id: string; conversation_id: string | null }) {
    this.toUsers(userIds).emit('match:removed', payload);
  }

  mediaModerated(ownerId: string, payload: { id: string; status: 'approved' | 'rejected' | 'review' }) {
    // The consoles first: an admin's console socket of their own upload hears admin:review before media:moderated.
    if (payload.status === 'review') this.io.to(ADMINS_ROOM).emit('admin:review', { id: payload.id });
    this.toUsers([ownerId]).emit('media:moderated', payload);
  }

  /** Closes the sockets of a session on every node (logout, revoked session); they do not reconnect by themselves. */
  disconnectSession(sessionId: string) {
    this.io.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  disconnectUser(userId: string) {
    this.io.in(userRoom(userId)).disconnectSockets(true);
  }
}
