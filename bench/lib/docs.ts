// What the docs show of bench/results/*.json: the README's benchmark table and
// docs/CAPACITY.md's figures and arithmetic, each between its markers. Every
// benchmark renders them after writing its file (results.ts), and
// `npm run bench:table` does it on demand.
import fs from 'node:fs';
import path from 'node:path';
import { readAllResults, ROOT } from './results.js';
import { renderTable, tableIn, withTable } from './table.js';
import { capacityIn, renderCapacity, withCapacity } from './capacity.js';

function docs() {
  const results = readAllResults();
  return [
    { file: path.join(ROOT, 'README.md'), body: renderTable(results), current: tableIn, replace: withTable },
    { file: path.join(ROOT, 'docs', 'CAPACITY.md'), body: renderCapacity(results), current: capacityIn, replace: withCapacity },
  ];
}

/** Rewrites the rendered parts of the docs; returns the files changed. */
export function renderDocs(): string[] {
  const changed: string[] = [];
  for (const d of docs()) {
    const text = fs.readFileSync(d.file, 'utf8');
    const next = d.replace(text, d.body);
    if (next !== text) {
      fs.writeFileSync(d.file, next);
      changed.push(path.relative(ROOT, d.file));
    }
  }
  return changed;
}

/** The docs whose rendered parts differ from the files. */
export function staleDocs(): string[] {
  return docs()
    .filter((d) => d.current(fs.readFileSync(d.file, 'utf8')) !== d.body)
    .map((d) => path.relative(ROOT, d.file));
}
