// What is sold, in Telegram Stars (XTR, whole stars). The price here is the
// current one: an invoice made at another price is refused at pre-checkout.
// What each does is discovery's: a boost or premium ranks the buyer higher in
// other people's candidates (api/discovery/scoring.ts PAID_BOOST), and a
// rewind or premium undoes the last pass (POST /discovery/rewind).
export const PRODUCTS = {
  superlikes_5: { title: '5 superlikes', description: 'Five superlikes to use whenever you like.', price: 50 },
  boost_30m: { title: 'Boost', description: 'Rank higher in people’s candidates for 30 minutes.', price: 25 },
  rewind: { title: 'Rewind', description: 'Undo your last pass.', price: 10 },
  premium_month: { title: 'Premium', description: 'For a month: rank higher in people’s candidates, and rewind passes for free.', price: 250 },
} as const;

export type ProductId = keyof typeof PRODUCTS;
export const PRODUCT_IDS = Object.keys(PRODUCTS) as [ProductId, ...ProductId[]];

/** Telegram's only subscription period (30 days), in seconds. */
export const SUBSCRIPTION_PERIOD_S = 2_592_000;
export const SUPERLIKES_PER_PACK = 5;
export const BOOST_MS = 30 * 60_000;

export const isProduct = (p: string): p is ProductId => Object.hasOwn(PRODUCTS, p);
