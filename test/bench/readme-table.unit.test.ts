// The benchmark figures of the README and of docs/CAPACITY.md come from
// bench/results/*.json and nowhere else: what stands between their markers is
// what `npm run bench:table` renders from the files, and every file says
// which run measured it and carries the fixed keys that scripts read (issue 17).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { readAllResults, ROOT } from '../../bench/lib/results.js';
import { renderTable, tableIn, TABLE_FILES, withTable } from '../../bench/lib/table.js';
import { capacityIn, renderCapacity } from '../../bench/lib/capacity.js';

const FIXED_KEYS: Record<string, string[]> = {
  realtime: ['persisted_msg_per_s', 'relay_msg_per_s', 'persisted_p99_ms_at_half', 'relay_p99_ms_at_half', 'rss_kb_per_socket', 'loadgen_cpu_max'],
  candidates: ['p99_ms', 'p50_ms', 'full_scan_p50_ms', 'profiles'],
  auth: ['logins_per_s'],
  moderation: ['nsfw_ms_per_image', 'pipeline_vs_sharp'],
};
const RUN_KEYS = ['command', 'commit', 'date', 'nproc', 'loadavg'];

describe('benchmark figures in the README and docs/CAPACITY.md', () => {
  const results = readAllResults();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('is the table rendered from bench/results (npm run bench:table)', () => {
    expect(tableIn(readme)).to.equal(renderTable(results));
  });

  it('docs/CAPACITY.md shows the figures and arithmetic rendered from bench/results', () => {
    expect(capacityIn(fs.readFileSync(path.join(ROOT, 'docs', 'CAPACITY.md'), 'utf8'))).to.equal(renderCapacity(results));
  });

  it('has a row for every results file, and a file for every row', () => {
    expect(Object.keys(results).filter((f) => !TABLE_FILES.includes(f)), 'results files the table leaves out').to.deep.equal([]);
    const rows = tableIn(readme).split('\n').slice(2);
    expect(rows).to.have.length(Object.keys(results).length);
  });

  for (const [name, r] of Object.entries(results)) {
    it(`${name}.json names the run that measured each part of it`, () => {
      // A file of a 1M candidates run only has its figures under at_1m.
      const parts = [r.commit !== undefined || r.at_1m === undefined ? r : undefined, r.at_1m].filter(Boolean) as Record<string, unknown>[];
      for (const part of parts) for (const k of RUN_KEYS) expect(part, `${name}: ${k}`).to.have.property(k);
    });
  }

  for (const [name, keys] of Object.entries(FIXED_KEYS)) {
    it(`${name}.json has the fixed keys of issue 17 when it exists`, function () {
      const r = results[name];
      if (!r) this.skip();
      const part = r.commit !== undefined ? r : r.at_1m;
      for (const k of keys) expect(part, `${name}: ${k}`).to.have.property(k);
    });
  }

  it('marks a figure a saturated generator bounded as a lower bound, and replaces only what is between the markers', () => {
    const table = renderTable({ auth: { logins_per_s: 900, verify_per_s: 5000, lower_bounds: ['logins_per_s'], command: 'npx tsx bench/auth.ts', commit: 'abcdef0123', date: '2026-01-01T00:00:00Z', nproc: 2, loadavg: [1, 1, 1], loadavg_at_start: [0.5, 1, 1] } });
    expect(table).to.contain('≥ 900 logins/s').and.to.contain('abcdef0, 2026-01-01, load 0.5→1.0 on 2 cores');
    const doc = withTable(`before\n${readme.slice(readme.indexOf('<!-- bench:table:start'), readme.indexOf('<!-- bench:table:end -->'))}<!-- bench:table:end -->\nafter`, table);
    expect(doc.startsWith('before\n')).to.equal(true);
    expect(doc.endsWith('<!-- bench:table:end -->\nafter')).to.equal(true);
    expect(tableIn(doc)).to.equal(table);
  });
});
