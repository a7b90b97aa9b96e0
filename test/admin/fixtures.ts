// An admin service on port 0 (with auth and discovery beside it, for the
// effects of a ban), its admin user, and test data for the moderation queue.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createAdminRouter } from '../../api/admin/index.js';
import { createAuthRouter } from '../../api/auth/index.js';
import { createDiscoveryRouter } from '../../api/discovery/index.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { client, startHttp, type Running } from '../helpers/http.js';
import { createUser, type TestUser } from '../helpers/users.js';

export interface AdminApp {
  platform: Platform;
  running: Running;
  url: string;
  api: ReturnType<typeof client>;
  /** A user whose Telegram id is in ADMIN_TELEGRAM_IDS. */
  admin: TestUser;
  /** Another admin (an admin cannot be banned). */
  admin2: TestUser;
  close(): Promise<void>;
}

export async function startAdmin(env: Record<string, string | undefined> = {}): Promise<AdminApp> {
  const ids = [uniqueTelegramId(), uniqueTelegramId()];
  const platform = testPlatform(
    { ...ADMIN_CAPABLE_ENV, ADMIN_TELEGRAM_IDS: ids.join(','), RATE_LIMIT_AUTH_PER_MIN: '1000000', RATE_LIMIT_REFRESH_PER_MIN: '1000000', ...env },
    'admin',
  );
  const routers = [createAdminRouter(platform), createAuthRouter(platform), createDiscoveryRouter(platform)];
  const app = createHttpApp({ service: 'admin', logger: platform.logger, readiness: platform, routers });
  const running = await startHttp(app.callback());
  const admin = await createUser(platform.db, platform.config, { telegramId: ids[0], firstName: 'Admin' });
  const admin2 = await createUser(platform.db, platform.config, { telegramId: ids[1], firstName: 'Admin2' });
  return {
    platform,
    running,
    url: running.url,
    api: client(running.url),
    admin,
    admin2,
    async close() {
      await running.close();
      await platform.close();
    },
  };
}

/** A photo as the moderation worker leaves it: variants made, scored, status set. */
export async function createPhoto(
  db: Knex,
  ownerId: string,
  fields: { status?: string; nsfw_score?: number | null; position?: number | null; variants?: boolean; created_at?: Date } = {},
): Promise<string> {
  const hex = randomBytes(32).toString('hex');
  const variants = fields.variants === false ? null : { thumb: { key: `v/${hex}-320.webp`, width: 320, height: 427 }, medium: { key: `v/${hex}-720.webp`, width: 720, height: 960 }, large: { key: `v/${hex}-1280.webp`, width: 1280, height: 1707 } };
  const [row] = await db('media')
    .insert({
      owner_id: ownerId,
      status: fields.status ?? 'review',
      mime: 'image/jpeg',
      size: 12345,
      width: 1500,
      height: 2000,
      sha256: hex,
      original_key: `o/${hex}.jpg`,
      variants: variants ? JSON.stringify(variants) : null,
      nsfw_score: fields.nsfw_score === undefined ? 0.6 : fields.nsfw_score,
      nsfw_scores: JSON.stringify({ porn: fields.nsfw_score ?? 0.6, neutral: 1 - (fields.nsfw_score ?? 0.6) }),
      position: fields.position === undefined ? null : fields.position,
      created_at: fields.created_at ?? new Date(),
    })
    .returning('id');
  return row.id as string;
}

export async function createReport(db: Knex, reporterId: string, targetId: string, reason = 'spam', createdAt = new Date()): Promise<string> {
  const [row] = await db('reports').insert({ reporter_id: reporterId, target_id: targetId, reason, details: 'test report', created_at: createdAt }).returning('id');
  return row.id as string;
}

export async function auditOf(db: Knex, targetId: string) {
  return db('admin_audit').where('target_id', targetId).orderBy('id');
}
