// A token bucket: `burst` tokens at most, refilled at `perS` a second. One per
// socket, so it is a few numbers and no timer; rate-limiter-flexible only has
// fixed windows with a timer per key and a promise per call, too heavy for
// every client event.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token: 0 when taken, else the milliseconds until one is there. */
  take(now = Date.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.perS) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perS);
  }
}
