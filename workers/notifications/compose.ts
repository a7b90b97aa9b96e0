// The text of one bot message that sums up everything pending for a user.
// No message bodies (a lock screen shows the notification to whoever holds
// the phone) and no names of people who liked the user (the app shows those).
// A name that Telegram would make clickable is left out too: the message comes
// from the app's own bot, so a link in it would carry the app's authority.
import type { Config } from '../../shared/config.js';
import type { PendingItem } from './repo.js';

export interface InlineKeyboard {
  inline_keyboard: ({ text: string; web_app: { url: string } } | { text: string; url: string })[][];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

// Telegram's entity parser links far more than it looks: any word.word with a
// letter TLD (x.com, t.me/…), @mentions and e-mails, #hashtags, $cashtags,
// /commands, IP addresses and phone numbers. Matching more than Telegram does
// only costs a name ("someone" is shown instead); matching less would let a
// display name put a link or a number in the app's own bot message.
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;
const CLICKABLE = [
  /[a-z][a-z0-9+.-]*:\/\//i, // a scheme: https://, tg://
  /(?:^|[^\p{L}\p{N}_])(?:mailto|tel|tg):/iu,
  /[\p{L}\p{N}_-][.\u3002]\p{L}{2,}/u, // a domain: x.com, t.me, пример.рф (also with an ideographic full stop)
  /\d{1,3}(?:\.\d{1,3}){3}/, // an IPv4 address
  /[@#$][\p{L}\p{N}_]/u, // @mention (and e-mail), #hashtag, $cashtag
  /(?:^|[^\p{L}\p{N}_/])\/[\p{L}\p{N}_]/u, // a /command
  /(?:\+?\d[\s().\-/]*){7,}/, // seven or more digits with the usual separators: a phone number
];

/** Whether Telegram could turn some of `name` into a link, a mention or a phone number. */
export function isClickable(name: string): boolean {
  const text = name.normalize('NFKC').replace(INVISIBLE, '');
  return CLICKABLE.some((re) => re.test(text));
}

/** The names shown (up to two), then how many others; `hidden` people are counted but never named. */
function namesList(names: string[], hidden: number): string {
  if (!names.length) return hidden === 1 ? 'someone' : `${hidden} people`;
  const shown = names.slice(0, 2);
  const others = names.length - shown.length + hidden;
  if (!others) return shown.join(' and ');
  return `${shown.join(', ')} and ${plural(others, 'other', 'others')}`;
}

/** "Alice and Bob", for the distinct actors of `items` in order of first appearance. */
function actors(items: PendingItem[], names: Map<string, string>): string {
  const seen = new Set<string>();
  const shown: string[] = [];
  let hidden = 0; // a user without a profile, or whose name Telegram would make clickable
  for (const i of items) {
    const key = i.actor_id ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    const name = i.actor_id ? names.get(i.actor_id) : undefined;
    if (name && !isClickable(name)) shown.push(name);
    else hidden++;
  }
  return namesList(shown, hidden);
}

export function composeText(items: PendingItem[], names: Map<string, string>): string {
  const of = (kind: PendingItem['kind']) => items.filter((i) => i.kind === kind);
  const lines: string[] = [];
  for (const w of of('warning')) {
    lines.push(`⚠️ A moderator has warned you about your behaviour on the app.${w.note ? ` Note: ${w.note}` : ''} Please respect the community rules.`);
  }
  const matches = of('match');
  if (matches.length) lines.push(`🎉 It's a match with ${actors(matches, names)}!`);
  const messages = of('message');
  if (messages.length) lines.push(`💬 ${plural(messages.length, 'new message', 'new messages')} from ${actors(messages, names)}`);
  const superlikes = of('superlike');
  if (superlikes.length) lines.push(superlikes.length === 1 ? '⭐ Someone super-liked you' : `⭐ ${superlikes.length} people super-liked you`);
  const likes = of('like');
  if (likes.length) lines.push(likes.length === 1 ? '❤️ Someone liked you' : `❤️ ${likes.length} people liked you`);
  return lines.join('\n');
}

/**
 * The screen a notification opens (the Mini App's start_param): the
 * conversation of the newest message, else the newest match; none otherwise.
 * Items come oldest first.
 */
export function deepLinkOf(items: PendingItem[]): string | undefined {
  const newest = (kind: PendingItem['kind']) => items.filter((i) => i.kind === kind).at(-1);
  const message = newest('message');
  if (message?.conversation_id) return `c_${message.conversation_id}`;
  const match = newest('match');
  return match ? `m_${match.ref_id}` : undefined;
}

/**
 * A button that opens the Mini App (or the bot's chat when no WebApp URL is
 * configured), at the screen `startParam` names: a direct link carries it as
 * `startapp`, the WebApp URL as the same query parameter (a web_app button
 * passes no start_param of its own).
 */
export function openAppButton(telegram: Pick<Config['telegram'], 'webAppUrl' | 'botUsername'>, startParam?: string, text = 'Open the app'): InlineKeyboard | undefined {
  const withParam = (base: string) => {
    if (!startParam) return base;
    const u = new URL(base);
    u.searchParams.set('startapp', startParam);
    return u.toString();
  };
  if (telegram.webAppUrl) return { inline_keyboard: [[{ text, web_app: { url: withParam(telegram.webAppUrl) } }]] };
  if (telegram.botUsername) return { inline_keyboard: [[{ text, url: withParam(`https://t.me/${telegram.botUsername}`) }]] };
  return undefined;
}
