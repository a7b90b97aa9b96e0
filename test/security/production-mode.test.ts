// Issue 13 §1: development mode can never run in production. Development mode
// signs init data for anyone with a public token, so a production process must
// refuse to start without its secrets, admins must not exist in development
// mode, and the development JWT secret must be nobody's but this install's.
import { expect } from 'chai';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { startAdmin, type AdminApp } from '../admin/fixtures.js';

/** Runs a TypeScript entry point to its exit with only `env` (plus PATH and HOME). */
function runToExit(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', entry, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 50_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('Security: development mode never runs in production', () => {
  describe('processes', function () {
    this.timeout(60_000);
    // Each kind of process: the all-in-one, the gateway, a service, the socket tier, a worker.
    const entries = ['allinone/main.ts', 'api/gateway/main.ts', 'api/auth/main.ts', 'realtime/main.ts', 'workers/notifications/main.ts'];

    it('exit at start (78) naming every missing variable when NODE_ENV=production', async () => {
      const runs = entries.map((entry) =>
        runToExit(entry, [], { NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' }).then((r) => ({ entry, ...r })),
      );
      for (const { entry, code, output } of await Promise.all(runs)) {
        expect(code, `${entry}: ${output}`).to.equal(78);
        expect(output, entry).to.contain('BOT_TOKEN');
        expect(output, entry).to.contain('JWT_SECRET');
      }
    });

    it('`npm run cluster` refuses to start a production cluster without the secrets, and names --dev', async () => {
      const pm2Home = await fsp.mkdtemp(path.join(os.tmpdir(), 'pm2-refused-'));
      try {
        const { code, output } = await runToExit('scripts/cluster.ts', ['start'], { PM2_HOME: pm2Home, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
        expect(code, output).to.equal(78);
        expect(output).to.contain('BOT_TOKEN');
        expect(output).to.contain('JWT_SECRET');
        expect(output).to.contain('--dev');
        expect(fs.existsSync(path.join(pm2Home, 'pm2.pid')), 'no PM2 daemon was started').to.equal(false);
      } finally {
        await fsp.rm(pm2Home, { recursive: true, force: true });
      }
    });
  });

  describe('admins in development mode', () => {
    let app: AdminApp;
    before(async () => {
      // The fixture's admin ids, but no bot token: development mode.
      app = await startAdmin({ BOT_TOKEN: undefined, JWT_SECRET: undefined });
    });
    after(() => app.close());

    it('do not exist: the configured admin gets 403 on the admin API', async () => {
      const res = await app.api.get('/admin/queue', { token: app.admin.token });
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('forbidden');
    });
  });
});
