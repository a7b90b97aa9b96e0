// Issue 13 §1 in configuration alone (the processes and the admin API: production-mode.test.ts):
// production refuses to start without its secrets, and the development JWT secret is this install's own.
import { expect } from 'chai';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEV_BOT_TOKEN, DEV_JWT_SECRET_FILE, loadConfig } from '../../shared/config.js';
import { configProblems } from '../helpers/config.js';

const problemsOf = configProblems;

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

  describe('docker-compose.yml, read as text (test/cluster/compose.test.ts runs `docker compose config` where a client exists)', () => {
    it('requires BOT_TOKEN, JWT_SECRET and POSTGRES_PASSWORD with ${VAR:?…} wherever it uses them, and gives none a default', () => {
      const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../docker-compose.yml'), 'utf8');
      const yaml = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
      expect(yaml).to.match(/^\s+NODE_ENV: production$/m);
      for (const name of ['BOT_TOKEN', 'JWT_SECRET', 'POSTGRES_PASSWORD']) {
        const uses = [...yaml.matchAll(new RegExp(`\\$\\{?${name}\\b([^}]*)\\}?`, 'g'))].map((m) => m[0]);
        expect(uses, name).to.not.be.empty;
        for (const use of uses) expect(use, name).to.match(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
        // Set only from the environment: no `NAME: value` of its own.
        for (const line of yaml.split('\n').filter((l) => new RegExp(`^\\s+${name}:`).test(l))) {
          expect(line.trim(), name).to.match(new RegExp(`^${name}: \\$\\{${name}:\\?`));
        }
      }
    });
  });
});
