// The unsent text of a conversation, kept while the user types (a pause of
// SAVE_DELAY_MS, and when the chat closes or the page goes away) and put back
// when the chat opens again, also after a reload or on another device of the
// same Telegram user: the store is Telegram's CloudStorage where there is one
// (telegram.ts), else localStorage. Sending the message removes it.
import type { KeyValueStore } from './telegram.js';

const SAVE_DELAY_MS = 600;
/** CloudStorage's longest value. */
const MAX_VALUE_CHARS = 4096;

/** The draft's key: CloudStorage allows 1-128 of [A-Za-z0-9_-]; the user is in it for the shared localStorage of a browser. */
export function draftKey(userId: string, conversationId: string): string {
  return `draft_${userId}_${conversationId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 128);
}

export class Draft {
  /** The text as last typed (what the store holds, or soon will). */
  text = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onPageHide = () => this.flush();

  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
  ) {
    window.addEventListener('pagehide', this.onPageHide);
  }

  /** The kept draft ('' when none). */
  async load(): Promise<string> {
    const kept = (await this.store.get(this.key)) ?? '';
    if (!this.timer) this.text = kept;
    return kept;
  }

  /** The user typed: saved after a pause. */
  typed(text: string) {
    this.text = text.slice(0, MAX_VALUE_CHARS);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  /** Saves what is typed now (an empty composer removes the draft). */
  flush() {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void (this.text.trim() ? this.store.set(this.key, this.text) : this.store.remove(this.key));
  }

  /** The message went: no draft any more. */
  clear() {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.text = '';
    void this.store.remove(this.key);
  }

  close() {
    this.flush();
    window.removeEventListener('pagehide', this.onPageHide);
  }
}
