// The app shell: one Session, one Api, one Socket.IO connection, the outbox,
// and a hash router that swaps screens inside the static shell of index.html
// (the header, the view and the tab bar never move, so nothing shifts).
import type { ConversationItem, OwnProfile } from './contract.js';
import { announce, h, replaceChildren } from './dom.js';
import { Api, ApiError } from './http.js';
import type { ChatTransport } from './chat-transport.js';
import { Outbox, sessionStore } from './outbox.js';
import { Realtime } from './realtime.js';
import { Session } from './session.js';
import type { MainAction, TelegramBridge } from './telegram.js';
import { showMatch } from './screens/match-dialog.js';

export interface Screen {
  el: HTMLElement;
  title: string;
  /** Second header line (presence in chat); kept in place even when empty. */
  subtitle?: HTMLElement;
  /** Route of the back button; none on top-level screens. */
  back?: string;
  /** Show the tab bar (default true). */
  tabs?: boolean;
  /**
   * The primary action on Telegram's MainButton when the screen mounts (none:
   * hidden). A screen whose action comes and goes calls app.tg.setMainButton
   * itself once mounted (after an await).
   */
  mainButton?: MainAction;
  /** A swipe deck is on screen: Telegram's vertical swipe-to-close is off meanwhile. */
  swipeDeck?: boolean;
  dispose?(): void;
}

export type ScreenFactory = (app: App, arg: string) => Screen;

/** What the app knows of a conversation (from the matches list or a match:new). */
export interface Peer {
  user_id: string;
  display_name: string;
  photos: { urls: { thumb?: string | null; medium?: string | null; large?: string | null } }[];
}

export interface ConversationInfo {
  conversation_id: string;
  match_id: string;
  peer: Peer;
  peer_last_read_seq?: number;
  unread_count: number;
}

export class App {
  readonly session = new Session();
  readonly api = new Api(this.session);
  readonly rt = new Realtime(this.session);
  /** What the chat's delivery logic sends and fetches through. */
  readonly transport: ChatTransport = { socket: this.rt, rest: this.api };
  readonly outbox = new Outbox(this.transport, sessionStore());
  me: OwnProfile | null = null;
  conversations = new Map<string, ConversationInfo>();
  private current: Screen | null = null;
  private currentRoute = '';
  private routes: Record<string, ScreenFactory> = {};
  private rendered = 0;

  constructor(readonly tg: TelegramBridge) {}

  get userId() {
    return this.session.userId;
  }

  route(name: string, factory: ScreenFactory) {
    this.routes[name] = factory;
    return this;
  }

  async start() {
    window.addEventListener('hashchange', () => this.render());
    document.getElementById('back')?.addEventListener('click', () => this.goBack());
    this.session.onChange((loggedIn) => {
      if (loggedIn) return;
      this.rt.disconnect();
      this.outbox.clear();
      this.me = null;
      this.conversations.clear();
      this.navigate('login', true);
    });
    this.rt.on('match:new', (m) => {
      if (m.user) this.conversations.set(m.conversation_id, { conversation_id: m.conversation_id, match_id: m.match_id, peer: m.user, unread_count: 0 });
      this.tg.haptic('success');
      showMatch(this, m);
      void this.askWriteAccess();
    });
    this.rt.on('match:removed', ({ match_id }) => {
      for (const [cid, c] of this.conversations) if (c.match_id === match_id) this.conversations.delete(cid);
    });
    this.rt.on('message:new', ({ message }) => {
      const info = this.conversations.get(message.conversation_id);
      if (info && message.sender_id !== this.userId && this.currentRoute !== `chat/${message.conversation_id}`) {
        info.unread_count++;
        this.updateBadge();
      }
    });
    this.tg.onActivated(() => this.rt.wake()); // Telegram's own foreground signal
    this.rt.onState((s) => {
      const el = document.getElementById('conn');
      if (el) el.textContent = s === 'online' ? '' : s === 'connecting' ? 'Connecting…' : 'Offline';
    });

    if (!this.session.loggedIn && this.tg.initData) {
      try {
        await this.session.login(this.tg.initData);
      } catch {
        // The login screen explains and offers to try again.
      }
    }
    if (this.session.loggedIn) await this.enter();
    else this.navigate('login', true);
  }

  /** After a login: connect, load the own profile, go to onboarding or the app. */
  async enter(): Promise<void> {
    this.rt.connect();
    try {
      this.me = await this.api.get<OwnProfile>('/profiles/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.me = null;
      else {
        if (this.session.loggedIn) this.showProblem(errorText(err), () => void this.enter());
        return;
      }
    }
    if (!this.me) {
      this.navigate('profile', true);
      return;
    }
    const conversations = this.loadConversations();
    const linked = await this.linkedRoute(conversations);
    const wanted = linked ?? this.parseHash();
    this.navigate(wanted && wanted !== 'login' ? wanted : 'discover', true);
  }

  /**
   * At the first match, asks for permission to be messaged by the bot (how
   * new messages reach a user who is not in the app), once per device and
   * never of someone whose init data says they allowed it. The next launch's
   * init data tells the server.
   */
  private async askWriteAccess() {
    if (!this.tg.inTelegram || localStorage.getItem('tgd.write-asked')) return;
    try {
      if (JSON.parse(new URLSearchParams(this.tg.initData).get('user') ?? '{}').allows_write_to_pm === true) return;
    } catch {
      // unreadable user field: ask
    }
    localStorage.setItem('tgd.write-asked', '1');
    await this.tg.requestWriteAccess();
  }

  /**
   * The screen the launch link names (a bot notification's button): c_<id> a
   * conversation, m_<id> the conversation of a match. Once per launch, so a
   * reload stays where the user went since.
   */
  private async linkedRoute(conversations: Promise<ConversationInfo[]>): Promise<string | undefined> {
    const param = this.tg.startParam;
    if (!param || sessionStorage.getItem('tgd.start-used') === param) return undefined;
    sessionStorage.setItem('tgd.start-used', param);
    const m = /^([cm])_([0-9a-f-]{36})$/.exec(param);
    if (!m) return undefined;
    if (m[1] === 'c') return `chat/${m[2]}`;
    const match = (await conversations).find((c) => c.match_id === m[2]);
    return match ? `chat/${match.conversation_id}` : 'matches';
  }

  async loadConversations(): Promise<ConversationInfo[]> {
    const res = await this.api.get<{ conversations: ConversationItem[] }>('/chat/conversations').catch(() => null);
    if (!res) return [...this.conversations.values()];
    this.conversations.clear();
    for (const c of res.conversations) {
      this.conversations.set(c.conversation_id, {
        conversation_id: c.conversation_id,
        match_id: c.match_id,
        peer: c.peer,
        unread_count: c.unread_count,
      });
    }
    this.updateBadge();
    return [...this.conversations.values()];
  }

  updateBadge() {
    const total = [...this.conversations.values()].reduce((n, c) => n + (c.unread_count || 0), 0);
    const badge = document.getElementById('unread-badge');
    if (!badge) return;
    badge.textContent = total > 99 ? '99+' : String(total);
    badge.hidden = total === 0;
    badge.setAttribute('aria-label', `${total} unread`);
  }

  /** A full-screen problem with a way out (the profile could not be loaded). */
  showProblem(text: string, retry: () => void) {
    const view = document.getElementById('view')!;
    replaceChildren(
      view,
      h('div', { class: 'screen center' }, h('p', { role: 'alert' }, text), h('button', { class: 'btn primary', type: 'button', onclick: retry }, 'Try again')),
    );
  }

  navigate(route: string, replace = false) {
    const hash = `#/${route}`;
    if (location.hash === hash) this.render();
    else if (replace) {
      history.replaceState(null, '', hash);
      this.render();
    } else location.hash = hash; // hashchange renders
  }

  goBack() {
    const back = this.current?.back;
    if (back) this.navigate(back);
  }

  private parseHash(): string {
    const m = /^#\/([a-z]+(?:\/[A-Za-z0-9-]+)?)$/.exec(location.hash);
    return m ? m[1] : '';
  }

  private render() {
    let route = this.parseHash() || (this.session.loggedIn ? 'discover' : 'login');
    if (!this.session.loggedIn) route = 'login';
    else if (!this.me && route !== 'profile') route = 'profile';
    const [name, arg = ''] = route.split('/');
    const factory = this.routes[name] ?? this.routes.discover;
    this.current?.dispose?.();
    this.currentRoute = route;
    const screen = factory(this, arg);
    this.current = screen;
    this.mount(screen, name);
  }

  private mount(screen: Screen, name: string) {
    const view = document.getElementById('view')!;
    const title = document.getElementById('title')!;
    const subtitle = document.getElementById('subtitle')!;
    const back = document.getElementById('back') as HTMLButtonElement;
    const tabs = document.getElementById('tabs')!;
    title.textContent = screen.title;
    document.title = `${screen.title} · Dating`;
    replaceChildren(subtitle, screen.subtitle ?? '');
    replaceChildren(view, screen.el);
    view.scrollTop = 0;
    const showTabs = screen.tabs !== false && this.session.loggedIn && this.me !== null;
    tabs.hidden = !showTabs;
    for (const a of tabs.querySelectorAll('a')) {
      const active = a.getAttribute('href') === `#/${name}`;
      if (active) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    // Telegram's buttons: set before the BackButton, so its call is the screen change's last.
    this.tg.setMainButton(screen.mainButton ?? null);
    this.tg.setVerticalSwipes(!screen.swipeDeck);
    // Inside Telegram its BackButton navigates; in a browser (or a Telegram without one) our own button does.
    const backRoute = screen.back;
    if (this.tg.nativeBack) {
      back.hidden = true;
      this.tg.setBackButton(Boolean(backRoute), () => this.goBack());
    } else back.hidden = !backRoute;
    // Move focus to the new screen's heading (not on the first screen: keep the page's natural start).
    if (this.rendered++ > 0) title.focus({ preventScroll: true });
    announce(screen.title);
  }
}

/** A labelled form field with its error line (for aria-describedby). */
export function field(label: string, control: HTMLElement, hint?: string) {
  const id = control.id;
  const err = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, err);
}

export function showFieldErrors(form: HTMLElement, errors: Record<string, string>) {
  for (const el of form.querySelectorAll<HTMLElement>('.field-error')) el.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  let first: HTMLElement | null = null;
  for (const [name, message] of Object.entries(errors)) {
    const err = form.querySelector<HTMLElement>(`#f-${name}-error`);
    const control = form.querySelector<HTMLElement>(`#f-${name}`);
    if (err) err.textContent = message;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first ??= control;
    }
  }
  first?.focus();
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network_error') return 'No connection. Check your network and try again.';
    return err.message;
  }
  return 'Something went wrong. Please try again.';
}
