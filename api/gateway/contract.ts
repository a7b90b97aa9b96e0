// The contract's documents, served by the public entry (gateway and
// all-in-one, through the web router): GET /openapi.json and /asyncapi.json,
// built once from the same code as docs/*.json, and the reference page /docs.
import Router from '@koa/router';
import { contractDocuments } from '../../shared/contract/documents.js';
import { docsPageRouter } from './docs-page.js';

export function contractRouter(): Router {
  const router = new Router();
  // Built on the first request (contractDocuments keeps it), not at start-up.
  for (const name of ['openapi.json', 'asyncapi.json'] as const) {
    router.get(`/${name}`, (ctx) => {
      ctx.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = contractDocuments()[name].text;
    });
  }
  router.use(docsPageRouter().routes());
  return router;
}
