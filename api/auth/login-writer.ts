// Group commit for logins (issue 17), the way the chat's writer batches sends.
//
// A login is one statement and one commit. Logins queue here; whenever fewer
// than `maxInFlight` statements are running, everything that queued up goes
// as ONE statement (repo.loginBatch): one round trip, one commit and one
// backend's work for the whole batch. At low load a batch is one login and
// nothing waits; under load the statements in flight are busy, logins gather
// meanwhile and batches grow. Every login's promise settles only after its
// batch commits.
import type { AuthRepo, LoginInput, LoginRow } from './repo.js';
import { histogram } from '../../shared/metrics.js';

const batchSize = histogram({
  name: 'auth_login_batch_size',
  help: 'Logins committed per transaction (group commit)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128],
});

export interface LoginWriterOptions {
  /** Most statements running at once (each holds one connection of the pool). */
  maxInFlight: number;
  /** Most logins per statement. */
  maxBatch: number;
  /** Refresh tokens' lifetime (and so the session's first expiry). */
  ttlS: number;
}

export const DEFAULT_LOGIN_WRITER_OPTIONS = { maxInFlight: 4, maxBatch: 64 };

interface Pending {
  login: LoginInput;
  resolve(r: LoginRow | undefined): void;
  reject(e: unknown): void;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

export class LoginWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly repo: AuthRepo,
    private readonly opts: LoginWriterOptions,
  ) {}

  /** Stores the login once its batch commits; resolves with nothing for a banned user. */
  login(login: LoginInput): Promise<LoginRow | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ login, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || !this.queue.length || this.inFlight >= this.opts.maxInFlight) return;
    // The next turn of the loop: the logins that arrive in this one join the batch.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.queue.length && this.inFlight < this.opts.maxInFlight) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        batchSize.observe(batch.length);
        this.inFlight++;
        void this.commit(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** Stores a batch and settles every login in it; never throws. */
  private async commit(batch: Pending[], attempt = 1): Promise<void> {
    try {
      const rows = await this.repo.loginBatch(
        batch.map((p) => p.login),
        this.opts.ttlS,
      );
      batch.forEach((p, i) => p.resolve(rows[i]));
    } catch (err) {
      // Two batches upserting the same users lock them in one order; retried in case.
      const code = (err as { code?: string }).code;
      if (attempt < 3 && code !== undefined && RETRYABLE.has(code)) return this.commit(batch, attempt + 1);
      // One login the database refuses must not fail the others: each alone, so only its own fails.
      if (batch.length > 1) {
        for (const p of batch) await this.commit([p]);
        return;
      }
      batch[0].reject(err);
    }
  }
}
