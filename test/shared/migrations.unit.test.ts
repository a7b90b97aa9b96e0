// Migrations that have landed are never edited: a database that ran a file
// keeps what the file said then, so an edit silently splits old and new
// databases. Each file must equal its first committed version; a change of
// schema is a new migration (the repair of the one edited before this rule:
// migrations.test.ts).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_DIR } from '../../shared/db.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Files edited before this rule existed, each with the migration that repairs its old databases. */
const EDITED_BEFORE_THE_RULE: Record<string, string> = {
  '20261124004000_discovery_indexes.ts': '20261129090000_discovery_index_current.ts',
};

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

describe('migrations', () => {
  const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f)).sort();

  it('are named <14-digit timestamp>_<snake_case>.ts, and nothing else is in the folder', () => {
    expect(fs.readdirSync(MIGRATIONS_DIR).sort()).to.deep.equal(files);
  });

  describe('each equals its first committed version', function () {
    before(function () {
      if (git(['rev-parse', '--is-inside-work-tree'])?.trim() !== 'true' || git(['rev-parse', '--is-shallow-repository'])?.trim() === 'true') {
        process.stderr.write('    (skipped: not a full git checkout, so first versions cannot be read)\n');
        this.skip();
      }
    });
    for (const file of files) {
      it(file, function () {
        const rel = `migrations/${file}`;
        const first = git(['log', '--diff-filter=A', '--format=%H', '--reverse', '--', rel])?.trim().split('\n')[0];
        if (!first) return this.skip(); // not committed yet: it has not landed anywhere
        const original = git(['show', `${first}:${rel}`]);
        const now = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
        if (EDITED_BEFORE_THE_RULE[file]) {
          expect(files, `the repair of ${file}`).to.include(EDITED_BEFORE_THE_RULE[file]);
          return;
        }
        expect(now === original, `${rel} differs from its first committed version (${first.slice(0, 8)}): write a new migration instead`).to.equal(true);
      });
    }
  });
});
