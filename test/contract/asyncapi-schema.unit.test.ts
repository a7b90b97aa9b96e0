// docs/asyncapi.json is a valid AsyncAPI 3.0.0 document: checked against the
// specification's own JSON Schema (@asyncapi/specs), message payloads included.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { Ajv, type ErrorObject } from 'ajv';
import formatsModule from 'ajv-formats';
import { ROOT } from '../../scripts/docs.js';

// A CommonJS module seen through ESM: the plugin is the default export's default.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv) => Ajv;

describe('AsyncAPI document', () => {
  it('docs/asyncapi.json validates against the AsyncAPI 3.0.0 schema', () => {
    const specs = path.dirname(createRequire(import.meta.url).resolve('@asyncapi/specs/package.json'));
    const schema = JSON.parse(fs.readFileSync(path.join(specs, 'schemas', '3.0.0-without-$id.json'), 'utf8')) as Record<string, unknown>;
    const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'asyncapi.json'), 'utf8')) as unknown;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(doc);
    const problems = (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`);
    expect(ok, problems.slice(0, 20).join('\n')).to.equal(true);
  });
});
