// Issue 13 §1: development mode can never run in production. Development mode
// signs init data for anyone with a public token, so a production process must
// refuse to start without its secrets, admins must not exist in development
// mode, and the development JWT secret must be nobody's but this install's.
import { expect } from 'chai';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEV_BOT_TOKEN, DEV_JWT_SECRET_FILE, loadConfig } from '../../shared/config.js';
import { execFile } from 'node:child_process';
import { startAdmin, type AdminApp } from '../admin/fixtures.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

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

const PRODUCTION_SECRETS = { BOT_TOKEN: '123456:ABC-real-looking', JWT_SECRET: 'p'.repeat(32) };

describe('Security: development mode never runs in production', () => {
  describe('configuration', () => {
    it('names every missing secret at once when NODE_ENV=production', () => {
      const p = problemsOf({ NODE_ENV: 'production' }).join('\n');
      expect(p).to.contain('BOT_TOKEN');
      expect(p).to.contain('JWT_SECRET');
    });

    it('requires a JWT_SECRET of at least 32 bytes in production', () => {
      expect(problemsOf({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, JWT_SECRET: 'x'.repeat(31) }).join()).to.contain('JWT_SECRET');
      expect(loadConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS }).devMode).to.equal(false);
    });

    it('refuses the public development bot token in production', () => {
      expect(problemsOf({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, BOT_TOKEN: DEV_BOT_TOKEN }).join()).to.contain('BOT_TOKEN');
    });

    it('keeps development mode for a bare `npm start` (nothing set)', () => {
      expect(loadConfig({}).devMode).to.equal(true);
    });

    it('ignores admin ids in development mode', () => {
      expect(loadConfig({ ADMIN_TELEGRAM_IDS: '42,43' }).telegram.adminIds).to.deep.equal([]);
      expect(loadConfig({ ADMIN_TELEGRAM_IDS: '42,43', ...PRODUCTION_SECRETS }).telegram.adminIds).to.deep.equal(['42', '43']);
    });
  });

  describe('the development JWT secret', () => {
    const dirs: string[] = [];
    const tmp = async () => {
      const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'dev-secret-'));
      dirs.push(d);
      return d;
    };
    after(() => Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true }))));

    it('is random per data directory, kept there (0600) and stable across restarts', async () => {
      const [a, b] = [await tmp(), await tmp()];
      const secretA = loadConfig({ DATA_DIR: a }).jwt.secret;
      const secretB = loadConfig({ DATA_DIR: b }).jwt.secret;
      expect(secretA).to.not.equal(secretB);
      expect(Buffer.byteLength(secretA)).to.be.at.least(32);
      expect(loadConfig({ DATA_DIR: a }).jwt.secret, 'the same directory keeps its secret').to.equal(secretA);
      const file = path.join(a, DEV_JWT_SECRET_FILE);
      expect(fs.readFileSync(file, 'utf8').trim()).to.equal(secretA);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    });

    it('is not written in the code', () => {
      const source = fs.readFileSync(path.resolve(import.meta.dirname, '../../shared/config.ts'), 'utf8');
      const secret = loadConfig({ DATA_DIR: dirs[0] }).jwt.secret;
      expect(source).to.not.contain(secret);
      expect(source).to.not.match(/DEV_JWT_SECRET\s*=\s*'/);
    });

    it('gives way to JWT_SECRET when one is set', async () => {
      expect(loadConfig({ DATA_DIR: await tmp(), JWT_SECRET: 'an-explicit-secret-value' }).jwt.secret).to.equal('an-explicit-secret-value');
    });
  });

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
