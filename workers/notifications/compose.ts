// The text of one bot message that sums up everything pending for a user.
// No message bodies (a lock screen shows the notification to whoever holds
// the phone) and no names of people who liked the user (the app shows those).
import type { Config } from '../../shared/config.js';
import type { PendingItem } from './repo.js';

export interface InlineKeyboard {
  inline_keyboard: ({ text: string; web_app: { url: string } } | { text: string; url: string })[][];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function namesList(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${plural(names.length - 2, 'other', 'others')}`;
}

/** Distinct actor names in order of first appearance ("someone" for a user without a profile). */
function actors(items: PendingItem[], names: Map<string, string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const i of items) {
    const key = i.actor_id ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    out.push((i.actor_id && names.get(i.actor_id)) || 'someone');
  }
  return out;
}

export function composeText(items: PendingItem[], names: Map<string, string>): string {
  const of = (kind: PendingItem['kind']) => items.filter((i) => i.kind === kind);
  const lines: string[] = [];
  for (const w of of('warning')) {
    lines.push(`⚠️ A moderator has warned you about your behaviour on the app.${w.note ? ` Note: ${w.note}` : ''} Please respect the community rules.`);
  }
  const matches = of('match');
  if (matches.length) lines.push(`🎉 It's a match with ${namesList(actors(matches, names))}!`);
  const messages = of('message');
  if (messages.length) lines.push(`💬 ${plural(messages.length, 'new message', 'new messages')} from ${namesList(actors(messages, names))}`);
  const superlikes = of('superlike');
  if (superlikes.length) lines.push(superlikes.length === 1 ? '⭐ Someone super-liked you' : `⭐ ${superlikes.length} people super-liked you`);
  const likes = of('like');
  if (likes.length) lines.push(likes.length === 1 ? '❤️ Someone liked you' : `❤️ ${likes.length} people liked you`);
  return lines.join('\n');
}

/** A button that opens the Mini App (or the bot's chat when no WebApp URL is configured). */
export function openAppButton(telegram: Pick<Config['telegram'], 'webAppUrl' | 'botUsername'>): InlineKeyboard | undefined {
  if (telegram.webAppUrl) return { inline_keyboard: [[{ text: 'Open the app', web_app: { url: telegram.webAppUrl } }]] };
  if (telegram.botUsername) return { inline_keyboard: [[{ text: 'Open the app', url: `https://t.me/${telegram.botUsername}` }]] };
  return undefined;
}
