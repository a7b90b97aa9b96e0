// A user's notification choices, from profile settings (api/profile/schemas.ts):
//   notifications: true | false | {<kind>: boolean}   (a missing kind is on)
//   quiet_hours:   {start: "HH:MM", end: "HH:MM"} | null, in
//   timezone:      an IANA zone name | null (UTC)
import type { ItemKind } from './repo.js';

/** The settings keys that switch each kind of notification (any one set to false turns it off). */
const SWITCHES: Record<Exclude<ItemKind, 'warning'>, string[]> = {
  message: ['messages'],
  match: ['new_match', 'matches'],
  like: ['likes'],
  superlike: ['superlikes', 'likes'],
};

export function wants(settings: Record<string, unknown> | null | undefined, kind: ItemKind): boolean {
  // A moderator's warning is not a notification the user can switch off.
  if (kind === 'warning') return true;
  const n = settings?.notifications;
  if (n === false) return false;
  if (n && typeof n === 'object') return SWITCHES[kind].every((k) => (n as Record<string, unknown>)[k] !== false);
  return true;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(hhmm: unknown): number | null {
  const m = typeof hhmm === 'string' ? HHMM.exec(hhmm) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Minutes since local midnight in the zone (UTC for a missing or unknown zone). */
function localMinutes(nowMs: number, timeZone: unknown): number {
  const zone = typeof timeZone === 'string' && timeZone ? timeZone : 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(nowMs);
  } catch {
    return localMinutes(nowMs, 'UTC');
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/**
 * When the user's quiet hours end, if `nowMs` falls inside them; null otherwise.
 * A window may span midnight (22:00–08:00); start equal to end means none.
 */
export function quietUntil(settings: Record<string, unknown> | null | undefined, nowMs: number): number | null {
  const q = settings?.quiet_hours as { start?: unknown; end?: unknown } | null | undefined;
  if (!q || typeof q !== 'object') return null;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === null || end === null || start === end) return null;
  const now = localMinutes(nowMs, settings?.timezone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const minutesLeft = (end - now + 1440) % 1440;
  return nowMs - (nowMs % 60_000) + minutesLeft * 60_000;
}
