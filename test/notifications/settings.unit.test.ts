import { expect } from 'chai';
import { quietUntil, wants } from '../../workers/notifications/settings.js';

describe('notification settings: kinds switched off and quiet hours', () => {
  const at = (iso: string) => Date.parse(iso);

  it('keeps quiet across midnight in the user\'s zone and says when it ends', () => {
    const s = { quiet_hours: { start: '22:00', end: '08:00' }, timezone: 'Europe/Berlin' };
    // 23:30 in Berlin (CET, UTC+1) → quiet until 08:00 Berlin = 07:00 UTC next day.
    expect(quietUntil(s, at('2026-01-10T22:30:00Z'))).to.equal(at('2026-01-11T07:00:00Z'));
    // 06:15 Berlin → until 08:00 the same morning.
    expect(quietUntil(s, at('2026-01-11T05:15:42Z'))).to.equal(at('2026-01-11T07:00:00Z'));
    // 08:00 Berlin sharp and the afternoon are not quiet.
    expect(quietUntil(s, at('2026-01-11T07:00:00Z'))).to.equal(null);
    expect(quietUntil(s, at('2026-01-11T14:00:00Z'))).to.equal(null);
    // Summer time (CEST, UTC+2): 22:00 Berlin is 20:00 UTC.
    expect(quietUntil(s, at('2026-07-01T20:00:00Z'))).to.equal(at('2026-07-02T06:00:00Z'));
  });

  it('reads a window within one day, UTC without a zone, and no window when start equals end or the value is bad', () => {
    expect(quietUntil({ quiet_hours: { start: '13:00', end: '14:30' } }, at('2026-03-03T13:59:00Z'))).to.equal(at('2026-03-03T14:30:00Z'));
    expect(quietUntil({ quiet_hours: { start: '13:00', end: '14:30' } }, at('2026-03-03T12:59:00Z'))).to.equal(null);
    expect(quietUntil({ quiet_hours: { start: '10:00', end: '10:00' } }, at('2026-03-03T10:00:00Z'))).to.equal(null);
    expect(quietUntil({ quiet_hours: { start: '25:00', end: '10:00' } }, at('2026-03-03T09:00:00Z'))).to.equal(null);
    expect(quietUntil({ quiet_hours: null }, at('2026-03-03T09:00:00Z'))).to.equal(null);
    expect(quietUntil(null, at('2026-03-03T09:00:00Z'))).to.equal(null);
    // An unknown zone counts as UTC rather than failing the send.
    expect(quietUntil({ quiet_hours: { start: '09:00', end: '10:00' }, timezone: 'Mars/Olympus' }, at('2026-03-03T09:30:00Z'))).to.equal(at('2026-03-03T10:00:00Z'));
  });

  it('honours notifications: false, per-kind switches, and never lets a warning be switched off', () => {
    expect(wants(null, 'message')).to.equal(true);
    expect(wants({ notifications: true }, 'like')).to.equal(true);
    expect(wants({ notifications: false }, 'match')).to.equal(false);
    expect(wants({ notifications: false }, 'warning')).to.equal(true);
    const s = { notifications: { messages: false, new_match: true } };
    expect(wants(s, 'message')).to.equal(false);
    expect(wants(s, 'match')).to.equal(true);
    expect(wants(s, 'like')).to.equal(true);
    expect(wants({ notifications: { likes: false } }, 'superlike')).to.equal(false);
    expect(wants({ notifications: { matches: false } }, 'match')).to.equal(false);
  });
});
