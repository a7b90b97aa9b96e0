// Running inside Telegram: the WebApp's init data signs us in, its theme
// colours style the app, and its BackButton navigates. Outside Telegram none
// of this loads: telegram-web-app.js is fetched only when Telegram launched
// us (its launch parameters are in the URL hash), never in a plain browser.

interface WebAppBackButton {
  show(): void;
  hide(): void;
  onClick(cb: () => void): void;
  offClick(cb: () => void): void;
}

interface WebApp {
  initData: string;
  version?: string;
  colorScheme?: 'light' | 'dark';
  themeParams: Record<string, string | undefined>;
  ready(): void;
  expand(): void;
  disableVerticalSwipes?(): void;
  onEvent(event: string, cb: () => void): void;
  BackButton?: WebAppBackButton;
  HapticFeedback?: { notificationOccurred(type: 'error' | 'success' | 'warning'): void; impactOccurred(style: string): void };
  requestWriteAccess?(cb?: (granted: boolean) => void): void;
  openInvoice?(url: string, cb?: (status: InvoiceOutcome) => void): void;
}

export type InvoiceOutcome = 'paid' | 'cancelled' | 'failed' | 'pending';

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
  setBackButton(visible: boolean, onClick?: () => void): void;
  haptic(kind: 'success' | 'error' | 'warning'): void;
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

/** Telegram theme → the CSS variables the stylesheet reads (the SDK sets the same ones). */
function applyTheme(params: Record<string, string | undefined>, scheme?: string) {
  const root = document.documentElement;
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' && /^#[0-9a-f]{3,8}$/i.test(v)) root.style.setProperty(`--tg-theme-${k.replace(/_/g, '-')}`, v);
  }
  if (scheme === 'dark' || scheme === 'light') root.style.colorScheme = scheme;
}

const outside: TelegramBridge = {
  initData: '',
  inTelegram: false,
  setBackButton() {},
  haptic() {},
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
  applyTheme(webApp.themeParams, webApp.colorScheme);
  webApp.onEvent('themeChanged', () => applyTheme(webApp.themeParams, webApp.colorScheme));
  webApp.ready();
  webApp.expand();
  webApp.disableVerticalSwipes?.();
  let backHandler: (() => void) | undefined;
  return {
    initData: webApp.initData,
    inTelegram: true,
    setBackButton(visible, onClick) {
      const bb = webApp.BackButton;
      if (!bb) return;
      if (backHandler) bb.offClick(backHandler);
      backHandler = undefined;
      if (visible && onClick) {
        backHandler = onClick;
        bb.onClick(onClick);
        bb.show();
      } else bb.hide();
    },
    haptic(kind) {
      webApp.HapticFeedback?.notificationOccurred(kind);
    },
    onActivated(cb) {
      webApp.onEvent('activated', cb);
    },
    requestWriteAccess() {
      const ask = webApp.requestWriteAccess;
      if (!ask) return Promise.resolve(undefined);
      return new Promise((resolve) => ask.call(webApp, (granted) => resolve(granted)));
    },
    openInvoice(url) {
      const open = webApp.openInvoice;
      if (!open) return Promise.resolve(undefined);
      return new Promise((resolve) => open.call(webApp, url, (status) => resolve(status)));
    },
  };
}
