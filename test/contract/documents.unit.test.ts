// The contract's documents: the committed ones are what the code generates,
// and the public entry serves the same.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { webRouter } from '../../api/gateway/web.js';
import { createLogger } from '../../shared/logger.js';
import { generatedDocs, ROOT } from '../../scripts/docs.js';
import { contractDocuments } from '../../shared/contract/documents.js';
import { testConfig } from '../helpers/env.js';
import { client, startHttp, type Running } from '../helpers/http.js';

describe('contract documents', () => {
  // CONFIGURATION.md has its own test (test/shared/config-docs.unit.test.ts).
  for (const { file, content } of generatedDocs().filter((d) => d.file.endsWith('.json'))) {
    const name = path.relative(ROOT, file);
    it(`${name} is what \`npm run docs\` generates from the code`, () => {
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      expect(committed === content, `${name} is stale: run \`npm run docs\` and commit it`).to.equal(true);
    });
  }

  describe('served by the gateway', () => {
    let gateway: Gateway;
    let running: Running;
    before(async () => {
      const config = testConfig();
      gateway = createGateway({ config, logger: createLogger(config, 'gateway'), routers: [webRouter(config, { buildIfMissing: false })] });
      running = await startHttp(gateway.handleRequest);
    });
    after(async () => {
      await running?.close();
      await gateway?.stop();
    });

    for (const name of Object.keys(contractDocuments())) {
      it(`GET /${name} answers the generated document`, async () => {
        const res = await client(running.url).get(`/${name}`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^application\/json/);
        expect(res.body).to.deep.equal(contractDocuments()[name as keyof ReturnType<typeof contractDocuments>].json);
      });
    }
  });
});
