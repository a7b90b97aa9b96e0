// Stands in for https://telegram.org/js/telegram-web-app.js in the browser
// test (no network): the WebApp object as Telegram's SDK builds it from the
// launch parameters, recording the calls the app makes.
export const TELEGRAM_SDK_STUB = `(() => {
  const p = new URLSearchParams(location.hash.slice(1));
  const calls = (window.__tgCalls = []);
  let backHandler = null;
  window.__tgPressBack = () => backHandler && backHandler();
  window.Telegram = {
    WebApp: {
      initData: p.get('tgWebAppData') || '',
      version: p.get('tgWebAppVersion') || '6.0',
      colorScheme: 'dark',
      themeParams: JSON.parse(p.get('tgWebAppThemeParams') || '{}'),
      ready() { calls.push('ready'); },
      expand() { calls.push('expand'); },
      disableVerticalSwipes() { calls.push('disableVerticalSwipes'); },
      onEvent(name) { calls.push('onEvent:' + name); },
      BackButton: {
        show() { calls.push('BackButton.show'); },
        hide() { calls.push('BackButton.hide'); },
        onClick(cb) { backHandler = cb; },
        offClick(cb) { if (backHandler === cb) backHandler = null; },
      },
      HapticFeedback: { notificationOccurred(t) { calls.push('haptic:' + t); }, impactOccurred() {} },
      requestWriteAccess(cb) { calls.push('requestWriteAccess'); if (cb) cb(true); },
      // The payment sheet: the test settles it (window.__tgSettleInvoice('paid')).
      openInvoice(url, cb) { calls.push('openInvoice:' + url); window.__tgSettleInvoice = (status) => cb && cb(status); },
    },
  };
})();`;
