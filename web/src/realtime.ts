// The app's one Socket.IO connection. It reconnects with backoff on its own;
// when the server refuses or drops it for auth reasons it refreshes the
// token first. After a reconnect that the server could not recover (missed
// events) it tells the screens to catch up over REST ("resync").
import { io, type Socket } from 'socket.io-client';
import type { AckOf, ChatSocket, Payload } from './chat-transport.js';
import { SOCKET_PATH, type Ack, type ClientToServerEvents, type ServerToClientEvents } from './contract.js';
import type { Session } from './session.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = 'connecting' | 'online' | 'offline';

export class Realtime implements ChatSocket {
  readonly socket: ClientSocket;
  private connectedOnce = false;
  private authRetries = 0;
  private authTimer: ReturnType<typeof setTimeout> | undefined;
  private resyncListeners = new Set<() => void>();
  private stateListeners = new Set<(s: ConnectionState) => void>();
  state: ConnectionState = 'offline';

  constructor(private readonly session: Session) {
    this.socket = io({
      path: SOCKET_PATH,
      autoConnect: false,
      // A function: every (re)connect presents the current access token.
      auth: (cb) => cb({ token: this.session.token ?? '' }),
      reconnectionDelay: 1000,
      reconnectionDelayMax: 15_000,
      randomizationFactor: 0.5,
    });
    this.socket.on('connect', () => {
      this.authRetries = 0;
      const missedEvents = this.connectedOnce && !this.socket.recovered;
      this.connectedOnce = true;
      this.setState('online');
      if (missedEvents) for (const fn of this.resyncListeners) fn();
    });
    this.socket.on('disconnect', (reason) => {
      this.setState(this.socket.active ? 'connecting' : 'offline');
      // The server closed us on purpose (token expired, session revoked): check the session.
      if (reason === 'io server disconnect') this.reauthenticate();
    });
    this.socket.on('connect_error', (err) => {
      if (!this.socket.active) {
        // Refused by the server's middleware: Socket.IO does not retry on its own.
        this.setState('offline');
        const code = (err as Error & { data?: { code?: string } }).data?.code;
        // Too many open tabs or devices, or a crowded address: the session is fine, try later.
        if (code === 'too_many_sockets' || code === 'too_many_connections') this.retryLater();
        else this.reauthenticate();
      } else this.setState('connecting');
    });

    // A refreshed token goes to the live socket too, so the server does not drop it at expiry.
    this.session.onToken((token) => {
      if (this.socket.connected) void this.request('auth:refresh', { token });
    });
    this.on('auth:expired', () => void this.session.refresh());

    const wake = () => this.wake();
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('online', wake);
    window.addEventListener('pageshow', wake);
  }

  /**
   * The WebView is back in front (or the network is back): timers may have
   * slept past the token's expiry and the OS may have closed the socket.
   */
  wake() {
    if (document.visibilityState !== 'visible') return;
    void this.session.ensureFresh().then(() => {
      if (this.session.loggedIn && !this.socket.connected && !this.socket.active) this.connect();
    });
  }

  connect() {
    if (!this.session.loggedIn) return;
    this.setState('connecting');
    this.socket.connect();
  }

  disconnect() {
    clearTimeout(this.authTimer);
    this.connectedOnce = false;
    this.socket.disconnect();
    this.setState('offline');
  }

  get connected() {
    return this.socket.connected;
  }

  /** Called when a reconnect may have missed events: refetch what is on screen. */
  onResync(fn: () => void) {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  onConnect(fn: () => void) {
    this.socket.on('connect', fn);
    return () => void this.socket.off('connect', fn);
  }

  onState(fn: (s: ConnectionState) => void) {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  on<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]) {
    // Socket.IO's listener typing is stricter than needed here.
    const socket = this.socket as unknown as { on(e: string, f: unknown): void; off(e: string, f: unknown): void };
    socket.on(event, fn);
    return () => socket.off(event, fn);
  }

  /** Emits with an ack; a timeout or a lost connection resolves as an error ack. */
  request<E extends keyof ClientToServerEvents>(event: E, payload: Payload<E>, timeoutMs = 8000): Promise<AckOf<E>> {
    return new Promise((resolve) => {
      if (!this.socket.connected) {
        resolve({ ok: false, error: { code: 'offline', message: 'Not connected' } } as AckOf<E>);
        return;
      }
      const socket = this.socket.timeout(timeoutMs) as unknown as {
        emit(e: string, p: unknown, cb: (err: Error | null, res: AckOf<E>) => void): void;
      };
      socket.emit(event, payload, (err, res) => {
        if (err) resolve({ ok: false, error: { code: 'timeout', message: 'No answer from the server' } } as AckOf<E>);
        else resolve(res ?? ({ ok: false, error: { code: 'bad_ack', message: 'Empty answer' } } as Ack as AckOf<E>));
      });
    });
  }

  /** Fire and forget (typing): no answer awaited. */
  send<E extends keyof ClientToServerEvents>(event: E, payload: Payload<E>) {
    if (!this.socket.connected) return;
    (this.socket as unknown as { emit(e: string, p: unknown, cb: () => void): void }).emit(event, payload, () => {});
  }

  private retryLater() {
    clearTimeout(this.authTimer);
    const delay = Math.min(60_000, 5000 * 2 ** this.authRetries++) * (0.75 + Math.random() / 2);
    this.authTimer = setTimeout(() => this.connect(), delay);
  }

  private reauthenticate() {
    clearTimeout(this.authTimer);
    const delay = Math.min(30_000, 1000 * 2 ** this.authRetries) * (0.75 + Math.random() / 2);
    this.authRetries++;
    this.authTimer = setTimeout(async () => {
      const ok = await this.session.refresh();
      if (ok) this.connect();
      else if (this.session.loggedIn) this.reauthenticate(); // offline: try again later
      // else the session is over and the app shows the login
    }, this.authRetries === 1 ? 0 : delay);
  }

  private setState(s: ConnectionState) {
    if (s === this.state) return;
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }
}
