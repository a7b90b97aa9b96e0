// Stands in for https://telegram.org/js/telegram-web-app.js in the browser
// test (no network): the WebApp object as Telegram's SDK builds it from the
// launch parameters, recording the calls the app makes. Like the SDK, it
// keeps every onClick handler (so handlers that stack show), refuses what the
// launch version lacks (CloudStorage before 6.9 throws) and checks
// CloudStorage keys and values as Telegram does.
//
// Test hooks on window: __tgCalls (the calls, in order), __tgPressBack() and
// __tgPressMain() (press the button: every handler runs, disabled or not, so
// the app's own guard is what a test sees), __tgMainButton() ({text, visible,
// handlers, active, progress}), __tgBackHandlers(), __tgSetTheme(params,
// scheme?) (new theme, then themeChanged), __tgSettleInvoice(status).
// CloudStorage goes to window.__tgCloud when the test exposes it (see
// cloudStorageOp: a store on the test's side, which outlives a reload), else
// to a Map in the page.
export const TELEGRAM_SDK_STUB = `(() => {
  // Like the SDK, the launch parameters outlive a reload (the app's routes replace the hash).
  let p = new URLSearchParams(location.hash.slice(1));
  if (p.has('tgWebAppData')) sessionStorage.setItem('__telegram__initParams', p.toString());
  else p = new URLSearchParams(sessionStorage.getItem('__telegram__initParams') || '');
  const calls = (window.__tgCalls = []);
  const version = p.get('tgWebAppVersion') || '6.0';
  const atLeast = (v) => {
    const a = version.split('.').map(Number), b = String(v).split('.').map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
    return true;
  };
  const events = {};
  const backHandlers = [];
  const mainHandlers = [];
  const remove = (list, cb) => { const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1); };
  window.__tgPressBack = () => backHandlers.slice().forEach((cb) => cb());
  window.__tgBackHandlers = () => backHandlers.length;
  window.__tgPressMain = () => mainHandlers.slice().forEach((cb) => cb());
  const local = new Map();
  const cloud = (op, key, value) => window.__tgCloud ? window.__tgCloud(op, key, value) : Promise.resolve(op === 'get' ? (local.get(key) ?? '') : (op === 'set' ? local.set(key, value) : local.delete(key), true));
  const checkKey = (key) => { if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(key)) throw new Error('WebAppCloudStorageKeyInvalid'); };
  const supported = () => { if (!atLeast('6.9')) throw new Error('WebAppMethodUnsupported'); };
  const MainButton = {
    text: 'Continue',
    isVisible: false,
    isActive: true,
    isProgressVisible: false,
    setText(t) { calls.push('MainButton.setText:' + t); this.text = t; return this; },
    show() { calls.push('MainButton.show'); this.isVisible = true; return this; },
    hide() { calls.push('MainButton.hide'); this.isVisible = false; return this; },
    enable() { calls.push('MainButton.enable'); this.isActive = true; return this; },
    disable() { calls.push('MainButton.disable'); this.isActive = false; return this; },
    // As the SDK: progress disables the button unless leaveActive, and hiding it enables it again.
    showProgress(leaveActive) { calls.push('MainButton.showProgress'); this.isProgressVisible = true; this.isActive = Boolean(leaveActive); return this; },
    hideProgress() { calls.push('MainButton.hideProgress'); this.isProgressVisible = false; this.isActive = true; return this; },
    onClick(cb) { mainHandlers.push(cb); return this; },
    offClick(cb) { remove(mainHandlers, cb); return this; },
  };
  window.__tgMainButton = () => ({ text: MainButton.text, visible: MainButton.isVisible, handlers: mainHandlers.length, active: MainButton.isActive, progress: MainButton.isProgressVisible });
  const WebApp = {
    initData: p.get('tgWebAppData') || '',
    version,
    colorScheme: 'dark',
    themeParams: JSON.parse(p.get('tgWebAppThemeParams') || '{}'),
    isVerticalSwipesEnabled: true,
    isVersionAtLeast: atLeast,
    ready() { calls.push('ready'); },
    expand() { calls.push('expand'); },
    disableVerticalSwipes() { calls.push('disableVerticalSwipes'); this.isVerticalSwipesEnabled = false; },
    enableVerticalSwipes() { calls.push('enableVerticalSwipes'); this.isVerticalSwipesEnabled = true; },
    onEvent(name, cb) { calls.push('onEvent:' + name); (events[name] ||= []).push(cb); },
    offEvent(name, cb) { remove(events[name] || [], cb); },
    BackButton: {
      show() { calls.push('BackButton.show'); },
      hide() { calls.push('BackButton.hide'); },
      onClick(cb) { backHandlers.push(cb); },
      offClick(cb) { remove(backHandlers, cb); },
    },
    MainButton,
    HapticFeedback: {
      notificationOccurred(t) { calls.push('haptic:' + t); },
      impactOccurred(style) { calls.push('impact:' + style); },
    },
    CloudStorage: {
      getItem(key, cb) { supported(); checkKey(key); calls.push('CloudStorage.getItem:' + key); cloud('get', key).then((v) => cb && cb(null, v)); },
      setItem(key, value, cb) {
        supported(); checkKey(key);
        if (typeof value !== 'string' || value.length > 4096) throw new Error('WebAppCloudStorageValueInvalid');
        calls.push('CloudStorage.setItem:' + key);
        cloud('set', key, value).then(() => cb && cb(null, true));
      },
      removeItem(key, cb) { supported(); checkKey(key); calls.push('CloudStorage.removeItem:' + key); cloud('remove', key).then(() => cb && cb(null, true)); },
    },
    requestWriteAccess(cb) { calls.push('requestWriteAccess'); if (cb) cb(true); },
    // The payment sheet: the test settles it (window.__tgSettleInvoice('paid')).
    openInvoice(url, cb) { calls.push('openInvoice:' + url); window.__tgSettleInvoice = (status) => cb && cb(status); },
  };
  window.__tgSetTheme = (params, scheme) => {
    WebApp.themeParams = params;
    if (scheme) WebApp.colorScheme = scheme;
    (events.themeChanged || []).forEach((cb) => cb.call(WebApp));
  };
  window.Telegram = { WebApp };
})();`;

/** One CloudStorage operation on the test's store, for the binding the stub calls as window.__tgCloud. */
export function cloudStorageOp(store: Map<string, string>, op: 'get' | 'set' | 'remove', key: string, value?: string): string | boolean {
  if (op === 'get') return store.get(key) ?? '';
  if (op === 'set') store.set(key, value ?? '');
  else store.delete(key);
  return true;
}
