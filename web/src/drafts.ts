// The unsent text of a conversation, and the message it answers when the user
// started a reply, kept while the user types (a pause of SAVE_DELAY_MS, and
// when the chat closes or the page goes away) and put back when the chat opens
// again, also after a reload or on another device of the same Telegram user:
// the store is Telegram's CloudStorage where there is one (telegram.ts), else
// localStorage. Sending the message removes it.
//
// Stored as the plain text, as drafts always were; a draft with a reply
// target (or a text that would read as one) as {"draft":1,"text","reply"}.
import type { KeyValueStore } from './telegram.js';

const SAVE_DELAY_MS = 600;
/** CloudStorage's longest value. */
const MAX_VALUE_CHARS = 4096;

/** The message a draft answers: its seq, and what the reply bar shows of it. */
export interface ReplyTarget {
  seq: number;
  sender_id: string;
  quote: string;
}

export interface KeptDraft {
  text: string;
  reply?: ReplyTarget;
}

/** The draft's key: CloudStorage allows 1-128 of [A-Za-z0-9_-]; the user is in it for the shared localStorage of a browser. */
export function draftKey(userId: string, conversationId: string): string {
  return `draft_${userId}_${conversationId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 128);
}

function isReplyTarget(x: unknown): x is ReplyTarget {
  const r = x as ReplyTarget | null;
  return typeof r === 'object' && r !== null && Number.isInteger(r.seq) && r.seq > 0 && typeof r.sender_id === 'string' && typeof r.quote === 'string';
}

/** A stored value: the envelope, else (a draft from before replies were kept, or any other text) the text itself. */
function decode(value: string): KeptDraft | null {
  if (!value.startsWith('{"draft":')) return null;
  try {
    const d = JSON.parse(value) as { draft?: unknown; text?: unknown; reply?: unknown };
    if (d.draft !== 1 || typeof d.text !== 'string') return null;
    return isReplyTarget(d.reply) ? { text: d.text, reply: d.reply } : { text: d.text };
  } catch {
    return null;
  }
}

function encode(text: string, reply: ReplyTarget | undefined): string {
  if (!reply && !decode(text)) return text;
  const envelope = (t: string) => JSON.stringify({ draft: 1, text: t, ...(reply ? { reply } : {}) });
  let t = text;
  let value = envelope(t);
  // Escapes make the envelope longer than its text: shorten the text until it fits the store.
  while (value.length > MAX_VALUE_CHARS && t) {
    t = t.slice(0, Math.max(0, t.length - (value.length - MAX_VALUE_CHARS)));
    value = envelope(t);
  }
  return value;
}

export class Draft {
  /** The text as last typed (what the store holds, or soon will). */
  text = '';
  /** The message the draft answers, if any. */
  reply: ReplyTarget | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onPageHide = () => this.flush();

  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
  ) {
    window.addEventListener('pagehide', this.onPageHide);
  }

  /** The kept draft (empty text and no reply when none). */
  async load(): Promise<KeptDraft> {
    const value = (await this.store.get(this.key)) ?? '';
    const kept = decode(value) ?? { text: value };
    if (!this.timer) {
      this.text = kept.text;
      this.reply = kept.reply;
    }
    return kept;
  }

  /** The user typed: saved after a pause. */
  typed(text: string) {
    this.text = text.slice(0, MAX_VALUE_CHARS);
    this.later();
  }

  /** The user started a reply, or cancelled it (undefined): saved after a pause. */
  replyTo(reply: ReplyTarget | undefined) {
    if (reply?.seq === this.reply?.seq && reply?.quote === this.reply?.quote) return;
    this.reply = reply;
    this.later();
  }

  /** Saves what is there now (no text and no reply removes the draft). */
  flush() {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void (this.text.trim() || this.reply ? this.store.set(this.key, encode(this.text, this.reply)) : this.store.remove(this.key));
  }

  /** The message went: no draft any more. */
  clear() {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.text = '';
    this.reply = undefined;
    void this.store.remove(this.key);
  }

  close() {
    this.flush();
    window.removeEventListener('pagehide', this.onPageHide);
  }

  private later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }
}
