// The text of one bot message that sums up everything pending for a user.
// No message bodies (a lock screen shows the notification to whoever holds
// the phone) and no names of people who liked the user (the app shows those).
// A name that Telegram would make clickable is left out too: the message comes
// from the app's own bot, so a link in it would carry the app's authority.
import type { Config } from '../../shared/config.js';
import type { PendingItem } from './repo.js';
import type { Lang } from '../bot/texts.js';

export interface InlineKeyboard {
  inline_keyboard: ({ text: string; web_app: { url: string } } | { text: string; url: string })[][];
}

/** "3 new messages" / "3 новых сообщения": the count and the noun form its language's plural rules pick. */
type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
const rules = { en: new Intl.PluralRules('en'), ru: new Intl.PluralRules('ru') };
const plural = (lang: Lang, n: number, forms: Forms) => `${n} ${forms[rules[lang].select(n)] ?? forms.other}`;

const WORDS = {
  en: {
    and: 'and',
    someone: 'someone',
    people: (n: number) => plural('en', n, { one: 'person', other: 'people' }),
    others: (n: number) => plural('en', n, { one: 'other', other: 'others' }),
    warning: (note: string | null) => `⚠️ A moderator has warned you about your behaviour on the app.${note ? ` Note: ${note}` : ''} Please respect the community rules.`,
    match: (who: string) => `🎉 It's a match with ${who}!`,
    messages: (n: number, who: string) => `💬 ${plural('en', n, { one: 'new message', other: 'new messages' })} from ${who}`,
    superlikes: (n: number) => (n === 1 ? '⭐ Someone super-liked you' : `⭐ ${n} people super-liked you`),
    likes: (n: number) => (n === 1 ? '❤️ Someone liked you' : `❤️ ${n} people liked you`),
  },
  ru: {
    and: 'и',
    someone: 'кто-то',
    people: (n: number) => plural('ru', n, { one: 'человек', few: 'человека', other: 'человек' }),
    others: (n: number) => `ещё ${n}`,
    warning: (note: string | null) => `⚠️ Модератор сделал вам предупреждение о поведении в приложении.${note ? ` Примечание: ${note}` : ''} Пожалуйста, соблюдайте правила сообщества.`,
    match: (who: string) => `🎉 У вас взаимная симпатия: ${who}!`,
    messages: (n: number, who: string) => `💬 ${plural('ru', n, { one: 'новое сообщение', few: 'новых сообщения', other: 'новых сообщений' })} от: ${who}`,
    superlikes: (n: number) => (n === 1 ? '⭐ Кто-то отправил вам суперлайк' : `⭐ Вам отправили суперлайк: ${plural('ru', n, { one: 'человек', few: 'человека', other: 'человек' })}`),
    likes: (n: number) => (n === 1 ? '❤️ Кто-то лайкнул вас' : `❤️ Вас лайкнули: ${plural('ru', n, { one: 'человек', few: 'человека', other: 'человек' })}`),
  },
} as const;
type Words = (typeof WORDS)[Lang];

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
function namesList(w: Words, names: string[], hidden: number): string {
  if (!names.length) return hidden === 1 ? w.someone : w.people(hidden);
  const shown = names.slice(0, 2);
  const others = names.length - shown.length + hidden;
  if (!others) return shown.join(` ${w.and} `);
  return `${shown.join(', ')} ${w.and} ${w.others(others)}`;
}

/** "Alice and Bob", for the distinct actors of `items` in order of first appearance. */
function actors(w: Words, items: PendingItem[], names: Map<string, string>): string {
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
  return namesList(w, shown, hidden);
}

/** The message in the recipient's language (English unless Russian). */
export function composeText(items: PendingItem[], names: Map<string, string>, lang: Lang = 'en'): string {
  const w = WORDS[lang];
  const of = (kind: PendingItem['kind']) => items.filter((i) => i.kind === kind);
  const lines: string[] = [];
  for (const warning of of('warning')) lines.push(w.warning(warning.note));
  const matches = of('match');
  if (matches.length) lines.push(w.match(actors(w, matches, names)));
  const messages = of('message');
  if (messages.length) lines.push(w.messages(messages.length, actors(w, messages, names)));
  const superlikes = of('superlike');
  if (superlikes.length) lines.push(w.superlikes(superlikes.length));
  const likes = of('like');
  if (likes.length) lines.push(w.likes(likes.length));
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
