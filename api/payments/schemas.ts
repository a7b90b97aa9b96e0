import { z } from 'zod';
import { PRODUCT_IDS } from './products.js';

export const InvoiceBody = z.strictObject({ product: z.enum(PRODUCT_IDS) });
export const RefundBody = z.strictObject({});
export const ChargeParams = z.object({ charge_id: z.string().min(1).max(256) });
export const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});

export const Invoice = z.object({
  invoice_id: z.string().uuid(),
  product: z.enum(PRODUCT_IDS),
  price_xtr: z.number().int(),
  url: z.string(),
  expires_at: z.string(),
});
export const Entitlements = z.object({
  premium: z.boolean(),
  premium_until: z.string().nullable(),
  boost_until: z.string().nullable(),
  rewinds: z.number().int(),
  superlikes: z.number().int(),
});
export const Payment = z.object({
  telegram_payment_charge_id: z.string(),
  user_id: z.string().uuid().nullable(),
  product: z.string(),
  amount_xtr: z.number().int(),
  subscription_expires_at: z.string().nullable(),
  created_at: z.string(),
  refunded_at: z.string().nullable(),
});
export const Ledger = z.object({ payments: z.array(Payment) });
