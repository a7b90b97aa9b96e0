// Running inside Telegram: the WebApp's init data signs us in, its theme
// colours style the app (live, on themeChanged), its BackButton navigates, its
// MainButton does each screen's primary action, its haptics answer swipes and
// matches, and CloudStorage keeps small per-user values (drafts). While the
// MainButton's action is in flight the button shows progress and takes no
// second tap. Outside Telegram none of this loads: telegram-web-app.js is
// fetched only when Telegram launched us (its launch parameters are in the URL
// hash), never in a plain browser. This file is the one home of SDK calls: every call checks
// that the feature exists in this Telegram version and never throws.

interface WebAppBackButton {
  show(): void;
  hide(): void;
  onClick(cb: () => void): void;
  offClick(cb: () => void): void;
}

interface WebAppMainButton extends WebAppBackButton {
  setText(text: string): void;
  /** Progress on the button; without leaveActive it is disabled meanwhile. */
  showProgress?(leaveActive?: boolean): void;
  hideProgress?(): void;
  enable?(): void;
  disable?(): void;
}

/** Telegram's per-user key-value store (Bot API 6.9+): keys 1-128 of [A-Za-z0-9_-], values up to 4096 characters. */
interface WebAppCloudStorage {
  getItem(key: string, cb: (err: string | null, value?: string) => void): void;
  setItem(key: string, value: string, cb?: (err: string | null, stored?: boolean) => void): void;
  removeItem(key: string, cb?: (err: string | null, removed?: boolean) => void): void;
}

interface WebApp {
  initData: string;
  version?: string;
  colorScheme?: 'light' | 'dark';
  themeParams: Record<string, string | undefined>;
  ready(): void;
  expand(): void;
  isVersionAtLeast?(version: string): boolean;
  disableVerticalSwipes?(): void;
  enableVerticalSwipes?(): void;
  onEvent(event: string, cb: () => void): void;
  BackButton?: WebAppBackButton;
  MainButton?: WebAppMainButton;
  CloudStorage?: WebAppCloudStorage;
  HapticFeedback?: { notificationOccurred(type: 'error' | 'success' | 'warning'): void; impactOccurred(style: ImpactStyle): void };
  requestWriteAccess?(cb?: (granted: boolean) => void): void;
  openInvoice?(url: string, cb?: (status: InvoiceOutcome) => void): void;
}

export type InvoiceOutcome = 'paid' | 'cancelled' | 'failed' | 'pending';
export type ImpactStyle = 'light' | 'medium' | 'heavy' | 'rigid' | 'soft';

/** A screen's primary action, on Telegram's MainButton. */
export interface MainAction {
  text: string;
  /** A promise (a network call) keeps the button in progress, taking no taps, until it settles. */
  onClick: () => void | Promise<unknown>;
}

/** Small string values kept for the user: Telegram's CloudStorage, else this browser's localStorage. */
export interface KeyValueStore {
  /** The value, or null when there is none (or it could not be read). */
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

declare global {
  interface Window {
    Telegram?: { WebApp?: WebApp };
  }
}

const SCRIPT_URL = 'https://telegram.org/js/telegram-web-app.js';

export interface TelegramBridge {
  /** Signed init data, or '' outside Telegram. */
  initData: string;
  /** The screen the launch link asked for (start_param: c_<conversation_id>, m_<match_id>), if any. */
  startParam?: string;
  inTelegram: boolean;
  /** Telegram's BackButton works here (the SDK loaded, version 6.1+): the page's own back button stays hidden. */
  nativeBack: boolean;
  /** Shows Telegram's BackButton with this one handler (the previous one is removed), or hides it. */
  setBackButton(visible: boolean, onClick?: () => void): void;
  /** Shows Telegram's MainButton doing `action` (the previous handler is removed), or hides it (null). */
  setMainButton(action: MainAction | null): void;
  /** A dialog's action on the MainButton while it is open, over the screen's; undefined when it closes (the screen's comes back). */
  setDialogMainButton(action: MainAction | undefined): void;
  haptic(kind: 'success' | 'error' | 'warning'): void;
  /** A tap of the Taptic Engine, for a swipe. */
  impact(style: ImpactStyle): void;
  /** Whether a vertical swipe may minimise or close the Mini App (off while a swipe deck is shown). */
  setVerticalSwipes(enabled: boolean): void;
  /** CloudStorage where this Telegram has it (6.9+), else localStorage. */
  storage: KeyValueStore;
  onActivated(cb: () => void): void;
  /** Asks the user to let the bot message them (Telegram's own dialog); undefined where it cannot ask. */
  requestWriteAccess(): Promise<boolean | undefined>;
  /** Opens Telegram's payment sheet for an invoice link; undefined where there is none. */
  openInvoice(url: string): Promise<InvoiceOutcome | undefined>;
}

function launchParams(): URLSearchParams | null {
  const hash = location.hash.slice(1);
  if (hash.includes('tgWebAppData=')) return new URLSearchParams(hash);
  const saved = sessionStorage.getItem('tgd.launch');
  return saved ? new URLSearchParams(saved) : null;
}

function loadScript(src: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    s.onload = () => {
      clearTimeout(timer);
      resolve();
    };
    s.onerror = () => {
      clearTimeout(timer);
      reject(new Error('failed to load'));
    };
    document.head.appendChild(s);
  });
}

/**
 * Telegram theme → the CSS variables the stylesheet reads (the SDK sets the
 * same ones). A colour the new theme no longer has goes back to the default.
 */
function applyTheme(params: Record<string, string | undefined>, scheme?: string) {
  const root = document.documentElement;
  const set = new Set<string>();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v !== 'string' || !/^#[0-9a-f]{3,8}$/i.test(v)) continue;
    const name = `--tg-theme-${k.replace(/_/g, '-')}`;
    root.style.setProperty(name, v);
    set.add(name);
  }
  for (const name of [...root.style]) if (name.startsWith('--tg-theme-') && !set.has(name)) root.style.removeProperty(name);
  if (scheme === 'dark' || scheme === 'light') root.style.colorScheme = scheme;
}

/** The browser's localStorage as the store (outside Telegram, or a Telegram without CloudStorage). */
const localStore: KeyValueStore = {
  get: async (key) => {
    try {
      return localStorage.getItem(`tgd.store.${key}`);
    } catch {
      return null; // storage blocked
    }
  },
  set: async (key, value) => {
    try {
      localStorage.setItem(`tgd.store.${key}`, value);
    } catch {
      // full or blocked: the value is not kept
    }
  },
  remove: async (key) => {
    try {
      localStorage.removeItem(`tgd.store.${key}`);
    } catch {
      // blocked
    }
  },
};

/** Telegram's CloudStorage as the store; an error reads as "no value" and a failed write is dropped. */
function cloudStore(cs: WebAppCloudStorage): KeyValueStore {
  const call = <T>(run: (done: (value: T) => void) => void, fallback: T) =>
    new Promise<T>((resolve) => {
      try {
        run(resolve);
      } catch {
        resolve(fallback);
      }
    });
  return {
    get: (key) => call<string | null>((done) => cs.getItem(key, (err, value) => done(err || !value ? null : value)), null),
    set: (key, value) => call<void>((done) => cs.setItem(key, value, () => done()), undefined),
    remove: (key) => call<void>((done) => cs.removeItem(key, () => done()), undefined),
  };
}

/** Runs an SDK call; a Telegram that refuses it (an older version) leaves the page's own controls in charge. */
function safely(run: () => void) {
  try {
    run();
  } catch {
    // unsupported here: nothing to do
  }
}

const outside: TelegramBridge = {
  initData: '',
  inTelegram: false,
  nativeBack: false,
  setBackButton() {},
  setMainButton() {},
  setDialogMainButton() {},
  haptic() {},
  impact() {},
  setVerticalSwipes() {},
  storage: localStore,
  onActivated() {},
  requestWriteAccess: async () => undefined,
  openInvoice: async () => undefined,
};

/**
 * The launch's start parameter: in the signed init data (a t.me/…?startapp=
 * link), as tgWebAppStartParam, or as ?startapp= on the WebApp URL (the bot's
 * web_app buttons, which carry none of their own).
 */
function startParamOf(initData: string, params: URLSearchParams | null): string | undefined {
  const found = new URLSearchParams(initData).get('start_param') ?? params?.get('tgWebAppStartParam') ?? new URLSearchParams(location.search).get('startapp');
  return found && /^[A-Za-z0-9_-]{1,64}$/.test(found) ? found : undefined;
}

export async function connectTelegram(): Promise<TelegramBridge> {
  const bridge = await connect();
  return { ...bridge, startParam: startParamOf(bridge.initData, launchParams()) };
}

async function connect(): Promise<TelegramBridge> {
  let webApp = window.Telegram?.WebApp;
  const params = launchParams();
  if (!webApp?.initData && params) {
    // Keep the launch parameters: the app's own routes replace the hash.
    sessionStorage.setItem('tgd.launch', params.toString());
    try {
      await loadScript(SCRIPT_URL, 4000);
      webApp = window.Telegram?.WebApp;
    } catch {
      webApp = undefined;
    }
  }
  if (webApp?.initData) return bridgeFor(webApp);
  if (params?.get('tgWebAppData')) {
    // The SDK could not load: the signed data and the theme are in the launch parameters.
    try {
      applyTheme(JSON.parse(params.get('tgWebAppThemeParams') ?? '{}') as Record<string, string>);
    } catch {
      // no theme: defaults
    }
    return { ...outside, initData: params.get('tgWebAppData') ?? '', inTelegram: true };
  }
  return outside;
}

function bridgeFor(webApp: WebApp): TelegramBridge {
  const atLeast = (version: string) => {
    try {
      return webApp.isVersionAtLeast?.(version) ?? false;
    } catch {
      return false;
    }
  };
  applyTheme(webApp.themeParams, webApp.colorScheme);
  safely(() => webApp.onEvent('themeChanged', () => applyTheme(webApp.themeParams, webApp.colorScheme)));
  safely(() => webApp.ready());
  safely(() => webApp.expand());
  let backHandler: (() => void) | undefined;
  /** What the MainButton shows and does now; the screen's action, and a dialog's over it. */
  let main: MainAction | null = null;
  let screenAction: MainAction | null = null;
  let dialogAction: MainAction | undefined;
  /** Actions whose call is in flight (by their onClick): the button shows progress while one of them is on it. */
  const running = new Set<MainAction['onClick']>();
  let inProgress = false;
  const showProgress = () => {
    const mb = webApp.MainButton;
    const on = main !== null && running.has(main.onClick);
    if (!mb || on === inProgress) return;
    inProgress = on;
    safely(() => {
      if (on) {
        mb.showProgress?.(false);
        mb.disable?.();
      } else {
        mb.hideProgress?.();
        mb.enable?.();
      }
    });
  };
  /** The one MainButton handler: runs the action on the button, unless its last run is still in flight. */
  const pressed = () => {
    const run = main?.onClick;
    if (!run || running.has(run)) return;
    const result = run();
    if (!(result instanceof Promise)) return;
    running.add(run);
    showProgress();
    const settled = () => {
      running.delete(run);
      showProgress();
    };
    result.then(settled, settled);
  };
  const showMain = () => {
    const mb = webApp.MainButton;
    const action = dialogAction ?? screenAction;
    if (!mb || (action?.text === main?.text && action?.onClick === main?.onClick)) return;
    const previous = main;
    main = action;
    safely(() => {
      if (!action) {
        mb.offClick(pressed);
        return mb.hide();
      }
      mb.setText(action.text);
      if (previous) return;
      mb.onClick(pressed);
      mb.show();
    });
    showProgress();
  };
  let verticalSwipes = true; // Telegram's default
  return {
    initData: webApp.initData,
    inTelegram: true,
    nativeBack: Boolean(webApp.BackButton) && atLeast('6.1'),
    setBackButton(visible, onClick) {
      const bb = webApp.BackButton;
      if (!bb) return;
      safely(() => {
        if (backHandler) bb.offClick(backHandler);
        backHandler = undefined;
        if (visible && onClick) {
          backHandler = onClick;
          bb.onClick(onClick);
          bb.show();
        } else bb.hide();
      });
    },
    setMainButton(action) {
      screenAction = action;
      showMain();
    },
    setDialogMainButton(action) {
      dialogAction = action;
      showMain();
    },
    haptic(kind) {
      safely(() => webApp.HapticFeedback?.notificationOccurred(kind));
    },
    impact(style) {
      safely(() => webApp.HapticFeedback?.impactOccurred(style));
    },
    setVerticalSwipes(enabled) {
      if (enabled === verticalSwipes) return;
      verticalSwipes = enabled;
      safely(() => (enabled ? webApp.enableVerticalSwipes?.() : webApp.disableVerticalSwipes?.()));
    },
    storage: webApp.CloudStorage && atLeast('6.9') ? cloudStore(webApp.CloudStorage) : localStore,
    onActivated(cb) {
      safely(() => webApp.onEvent('activated', cb));
    },
    requestWriteAccess() {
      const ask = webApp.requestWriteAccess;
      if (!ask) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        try {
          ask.call(webApp, (granted) => resolve(granted));
        } catch {
          resolve(undefined);
        }
      });
    },
    openInvoice(url) {
      const open = webApp.openInvoice;
      if (!open) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        try {
          open.call(webApp, url, (status) => resolve(status));
        } catch {
          resolve(undefined);
        }
      });
    },
  };
}
