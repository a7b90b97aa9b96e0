// The user's day for swipe quotas: local midnight to local midnight in the
// time zone of the profile's settings.timezone (IANA name), UTC otherwise.

export interface DayWindow {
  start: Date;
  end: Date;
  timeZone: string;
}

export function validTimeZone(tz: unknown): string {
  if (typeof tz !== 'string' || !tz) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(ms: number, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, min: +p.minute, s: +p.second };
}

/** Offset of the zone from UTC at instant `ms`, in ms (east positive). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the wall clock of the zone shows midnight of y-m-d. */
function midnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  // Two rounds settle the offset across a DST change.
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  return t;
}

export function dayWindow(now: Date, timeZone: unknown): DayWindow {
  const tz = validTimeZone(timeZone);
  const w = wallClock(now.getTime(), tz);
  const start = midnight(w.y, w.m, w.d, tz);
  const end = midnight(w.y, w.m, w.d + 1, tz);
  return { start: new Date(start), end: new Date(end), timeZone: tz };
}
