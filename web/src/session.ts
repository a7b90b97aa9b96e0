// Tokens of this tab. sessionStorage, not localStorage: every tab is its own
// session, so two tabs can be two demo users, and a reload keeps the login.
// Refresh tokens rotate and a reused one revokes the session, so refreshes
// are single-flight: one request at a time, every caller awaits the same one.
import { ApiError, API_BASE, readError } from './http.js';
import type { TokenPair } from './contract.js';

const KEY = 'tgd.session';

interface Stored {
  access_token: string;
  refresh_token: string;
  /** ms since epoch */
  expires_at: number;
  ttl_s: number;
  user: TokenPair['user'];
}

export class Session {
  private state: Stored | null = null;
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<(loggedIn: boolean) => void>();
  private tokenListeners = new Set<(token: string) => void>();

  constructor() {
    try {
      const raw = sessionStorage.getItem(KEY);
      if (raw) this.state = JSON.parse(raw) as Stored;
    } catch {
      this.state = null;
    }
    if (this.state) this.schedule();
  }

  get loggedIn() {
    return this.state !== null;
  }
  get token(): string | null {
    return this.state?.access_token ?? null;
  }
  get userId(): string | null {
    return this.state?.user.id ?? null;
  }
  get user() {
    return this.state?.user ?? null;
  }

  /** Called with false when the session ends (logout, revoked, refresh refused). */
  onChange(fn: (loggedIn: boolean) => void) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called after every refresh with the new access token (the socket hands it on). */
  onToken(fn: (token: string) => void) {
    this.tokenListeners.add(fn);
    return () => this.tokenListeners.delete(fn);
  }

  async login(initData: string): Promise<TokenPair> {
    const res = await fetch(`${API_BASE}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ init_data: initData }),
    }).catch(() => {
      throw new ApiError(0, 'network_error', 'No connection to the server');
    });
    if (!res.ok) throw await readError(res);
    const pair = (await res.json()) as TokenPair;
    this.store(pair);
    for (const fn of this.listeners) fn(true);
    return pair;
  }

  /** A fresh access token; false when the session is over (the caller shows the login). */
  refresh(): Promise<boolean> {
    if (!this.state) return Promise.resolve(false);
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** After the WebView comes back: timers may have slept past the expiry. */
  async ensureFresh(): Promise<boolean> {
    if (!this.state) return false;
    if (Date.now() < this.state.expires_at - this.margin()) return true;
    return this.refresh();
  }

  /** Forget this tab's tokens (the server side is revoked by the caller first). */
  clear() {
    const was = this.state !== null;
    this.state = null;
    clearTimeout(this.timer);
    sessionStorage.removeItem(KEY);
    if (was) for (const fn of this.listeners) fn(false);
  }

  private async doRefresh(): Promise<boolean> {
    const refreshToken = this.state?.refresh_token;
    if (!refreshToken) return false;
    let res: Response;
    try {
      res = await fetch(`${API_BASE}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
    } catch {
      // Offline: keep the tokens and try again later; the server decides when it can.
      this.schedule(5000);
      return false;
    }
    if (res.ok) {
      this.store((await res.json()) as TokenPair);
      for (const fn of this.tokenListeners) fn(this.state!.access_token);
      return true;
    }
    if (res.status === 429 || res.status >= 500) {
      const retry = Number(res.headers.get('retry-after')) || 5;
      this.schedule(retry * 1000);
      return false;
    }
    // 401: the refresh token is used, expired or its session revoked.
    this.clear();
    return false;
  }

  private store(pair: TokenPair) {
    this.state = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: Date.now() + pair.expires_in * 1000,
      ttl_s: pair.expires_in,
      user: pair.user ?? this.state?.user,
    };
    sessionStorage.setItem(KEY, JSON.stringify(this.state));
    this.schedule();
  }

  /** Refresh a little before expiry: a fifth of the lifetime, 5 s to 60 s, never more than half of it. */
  private margin() {
    const ttl = (this.state?.ttl_s ?? 900) * 1000;
    return Math.min(ttl / 2, Math.min(60_000, Math.max(5_000, ttl / 5)));
  }

  private schedule(inMs?: number) {
    clearTimeout(this.timer);
    if (!this.state) return;
    const due = inMs ?? Math.max(1000, this.state.expires_at - this.margin() - Date.now());
    this.timer = setTimeout(() => void this.refresh(), due);
  }
}
