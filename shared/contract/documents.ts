// The contract's generated documents, built once per process: what GET
// /openapi.json and /asyncapi.json serve and what `npm run docs` writes under docs/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncApiDocument } from './asyncapi.js';
import { openApiDocument } from './openapi.js';

export interface ContractDocument {
  json: Record<string, unknown>;
  /** The committed form: two-space JSON with a final newline. */
  text: string;
}

function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

let built: Record<'openapi.json' | 'asyncapi.json', ContractDocument> | undefined;

export function contractDocuments(): Record<'openapi.json' | 'asyncapi.json', ContractDocument> {
  if (!built) {
    const version = packageVersion();
    const doc = (json: Record<string, unknown>) => ({ json, text: `${JSON.stringify(json, null, 2)}\n` });
    built = { 'openapi.json': doc(openApiDocument({ version })), 'asyncapi.json': doc(asyncApiDocument({ version })) };
  }
  return built;
}
