import { expect } from 'chai';
import fs from 'node:fs';
import { EnvSchema } from '../../shared/config.js';
import { CONFIG_MEANINGS } from '../../shared/config-docs.js';
import { CONFIGURATION_FILE, configVariables, configurationDoc } from '../../scripts/docs.js';

describe('configuration docs', () => {
  it('give every variable of the schema a meaning, and no meaning to a variable the schema lacks', () => {
    const variables = Object.keys(EnvSchema.shape).sort();
    const meant = Object.keys(CONFIG_MEANINGS).sort();
    expect(variables.filter((v) => !meant.includes(v)), 'variables without a meaning in shared/config-docs.ts').to.deep.equal([]);
    expect(meant.filter((v) => !variables.includes(v)), 'meanings of variables shared/config.ts no longer has').to.deep.equal([]);
    const blank = Object.entries(CONFIG_MEANINGS).filter(([, text]) => text.trim().length < 10);
    expect(blank.map(([v]) => v), 'meanings too short to say anything').to.deep.equal([]);
  });

  it('are committed as `npm run docs` writes them (docs/CONFIGURATION.md)', () => {
    const committed = fs.existsSync(CONFIGURATION_FILE) ? fs.readFileSync(CONFIGURATION_FILE, 'utf8') : '(missing)';
    expect(committed === configurationDoc(), 'docs/CONFIGURATION.md is stale: run `npm run docs` and commit it').to.equal(true);
  });

  it('show each default as a value the variable can be set to, giving the same setting', () => {
    const defaults = EnvSchema.parse({}) as Record<string, unknown>;
    for (const { name, schema } of configVariables()) {
      if (schema.default === undefined) {
        expect(defaults[name], `${name} has a default the docs do not show`).to.equal(undefined);
        continue;
      }
      const set = EnvSchema.shape[name].safeParse(String(schema.default));
      expect(set.success, `${name}=${String(schema.default)} is refused`).to.equal(true);
      expect(set.data, `${name}=${String(schema.default)} differs from leaving it unset`).to.deep.equal(defaults[name]);
    }
  });

  it('list every variable once, in one table row', () => {
    const doc = configurationDoc();
    for (const name of Object.keys(EnvSchema.shape)) {
      const rows = doc.split('\n').filter((line) => line.startsWith(`| \`${name}\` |`));
      expect(rows, name).to.have.length(1);
      expect(rows[0].split(/(?<!\\)\|/).length, `${name}: a row of four cells`).to.equal(6);
    }
  });
});
