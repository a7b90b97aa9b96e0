// Swipe quotas count over a rolling 24 hours, the same for everyone. No
// calendar day: a day boundary would be a reset a user could move (by
// changing settings.timezone) or wait for, and a burst just before midnight
// plus one just after would be twice the quota within minutes.

export const QUOTA_WINDOW_MS = 24 * 3600_000;

/** Swipes made after this moment count against the quota at `now`. */
export function quotaWindowStart(now: Date): Date {
  return new Date(now.getTime() - QUOTA_WINDOW_MS);
}

/**
 * Seconds until a swipe may be made again, given the times of the `quota`
 * most recent counted swipes (newest first): a slot frees when the oldest of
 * them leaves the window. With no such swipe (a quota of 0), a whole window.
 */
export function secondsUntilFree(recent: Date[], now: Date): number {
  const oldest = recent[recent.length - 1];
  if (!oldest) return QUOTA_WINDOW_MS / 1000;
  return (new Date(oldest).getTime() + QUOTA_WINDOW_MS - now.getTime()) / 1000;
}
