// Premium in Telegram Stars, in Settings: what the user has (checked on the
// server, GET /payments/entitlements) and the products, each bought through
// Telegram's own payment sheet (openInvoice on a link the server made). Credit
// comes when Telegram tells the server, so after "paid" the section reloads
// until the purchase shows. The Premium screen (#/premium, where a rewind
// without credit leads) shows the same section with Telegram's MainButton
// buying Premium.
import { errorText, type App, type Screen } from '../app.js';
import type { z } from 'zod';
import type { Entitlements as EntitlementsSchema, Invoice as InvoiceSchema } from '../../../api/payments/schemas.js';
import { announce, h, toast } from '../dom.js';

type Entitlements = z.infer<typeof EntitlementsSchema>;
type Invoice = z.infer<typeof InvoiceSchema>;

// Prices are shown as the server answers them (the invoice carries its price); these are only labels.
const PRODUCTS: [product: Invoice['product'], label: string][] = [
  ['superlikes_5', '5 superlikes'],
  ['boost_30m', 'Boost for 30 minutes'],
  ['rewind', 'Rewind'],
  ['premium_month', 'Premium for a month'],
];

function summary(e: Entitlements): string {
  const parts = [`Superlikes: ${e.superlikes}`, `Rewinds: ${e.rewinds}`];
  if (e.premium && e.premium_until) parts.unshift(`Premium until ${new Date(e.premium_until).toLocaleDateString()}`);
  if (e.boost_until) parts.push(`Boosted until ${new Date(e.boost_until).toLocaleTimeString()}`);
  return parts.join(' · ');
}

export function premiumSection(app: App): HTMLElement {
  return premium(app).el;
}

/** Premium on a screen of its own; `back` is the route it was opened from (settings by default). */
export function premiumScreen(app: App, back: string): Screen {
  const { el, buy } = premium(app);
  return {
    title: 'Premium',
    back: /^[a-z]+$/.test(back) ? back : 'settings',
    el: h('div', { class: 'screen' }, el),
    mainButton: app.tg.inTelegram ? { text: 'Buy Premium', onClick: () => buy('premium_month') } : undefined,
  };
}

function premium(app: App): { el: HTMLElement; buy(product: Invoice['product'], button?: HTMLButtonElement): Promise<void> } {
  const status = h('p', { id: 'entitlements', 'aria-live': 'polite' }, 'Loading…');
  let last = '';
  const load = async () => {
    try {
      const e = await app.api.get<Entitlements>('/payments/entitlements');
      last = summary(e);
      status.textContent = last;
    } catch (err) {
      status.textContent = errorText(err);
    }
  };
  /** After a payment: reload until the credit shows (Telegram tells the server a moment later). */
  const awaitCredit = async (before: string) => {
    for (let i = 0; i < 20 && last === before; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await load();
    }
  };
  let buying = false;
  const buy = async (product: Invoice['product'], button?: HTMLButtonElement) => {
    if (buying) return;
    buying = true;
    if (button) button.disabled = true;
    try {
      const invoice = await app.api.post<Invoice>('/payments/invoice', { product });
      const outcome = await app.tg.openInvoice(invoice.url);
      if (outcome === 'paid') {
        announce('Payment received');
        toast('Payment received');
        await awaitCredit(last);
      } else if (outcome === 'failed') toast('The payment failed', 'error');
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      buying = false;
      if (button) button.disabled = false;
    }
  };
  const buttons = app.tg.inTelegram
    ? PRODUCTS.map(([product, label]) => {
        const b = h('button', { class: 'btn', type: 'button' }, `Buy: ${label}`);
        b.addEventListener('click', () => void buy(product, b));
        return b;
      })
    : [h('p', { class: 'hint' }, 'Purchases are made in Telegram, with Stars.')];
  void load();
  return { el: h('section', { class: 'card', 'aria-labelledby': 'premium-h' }, h('h2', { id: 'premium-h' }, 'Premium'), status, h('div', { class: 'stack' }, buttons)), buy };
}
