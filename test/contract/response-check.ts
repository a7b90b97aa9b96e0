// Checks a response against the OpenAPI document (docs as generated from the
// code, shared/contract/): the route and status must be documented, a JSON
// answer must match the schema for that route and status (ajv, JSON Schema
// 2020-12 as OpenAPI 3.1 uses), anything else the documented media type. The
// e2e and bad-input suites run every response they receive through it.
import { AssertionError } from 'chai';
import type { BrowserContext } from 'playwright-core';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { contractDocuments } from '../../shared/contract/documents.js';
import { SOCKET_PATH } from '../../realtime/events.js';

type Json = Record<string, any>;

// A CommonJS module seen through ESM: the plugin is the default export's default.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv2020) => Ajv2020;

const API_PREFIX = '/api/v1';
const DOC_ID = 'https://contract.invalid/openapi.json';

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, Json>;
}

let compiled: { ajv: Ajv2020; routes: Route[] } | undefined;

function contract() {
  if (compiled) return compiled;
  const doc = contractDocuments()['openapi.json'].json as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    // {key} of the served files spans segments; every other parameter is one segment.
    const pattern = new RegExp(`^${template.replace(/\{key\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const params = (template.match(/\{/g) ?? []).length;
    for (const [method, op] of Object.entries(methods)) routes.push({ method: method.toUpperCase(), template, pattern, params, responses: op.responses });
  }
  // Literal paths first (/profiles/me before /profiles/{user_id}).
  routes.sort((a, b) => a.params - b.params);
  compiled = { ajv, routes };
  return compiled;
}

function validatorFor(ref: string) {
  const v = contract().ajv.getSchema(`${DOC_ID}${ref}`);
  if (!v) throw new Error(`no schema at ${ref}`);
  return v;
}

export interface Received {
  method: string;
  /** The request path, with or without a query string and the /api/v1 prefix. */
  url: string;
  status: number;
  contentType: string;
  body: unknown;
}

/** Where the response breaks the document; empty when it keeps it. */
export function contractProblems(r: Received): string[] {
  // The path as the server routed it: the URL parser would turn a backslash into a slash.
  let path = r.url.replace(/^[a-z]+:\/\/[^/]*/i, '').split(/[?#]/)[0] || '/';
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) path = path.slice(API_PREFIX.length) || '/';
  const method = r.method.toUpperCase() === 'HEAD' ? 'GET' : r.method.toUpperCase();
  const where = `${r.method} ${r.url} → ${r.status}`;
  // Socket.IO's long-polling transport is the AsyncAPI document's.
  if (path === SOCKET_PATH || path.startsWith(`${SOCKET_PATH}/`)) return [];
  const onPath = contract().routes.filter((x) => x.pattern.test(path));
  const route = onPath.find((x) => x.method === method);
  const isJson = /^application\/(.+\+)?json/.test(r.contentType);
  // A path the router did not take (not a route, not with this method, or a segment it
  // could not route, such as a NUL) gets the contract's 404 or 405 in the error shape.
  if (!route || (!route.responses[String(r.status)] && [404, 405].includes(r.status))) {
    const problems = [404, 405].includes(r.status) ? [] : [`${where}: no documented route for ${method} ${path}`];
    return problems.concat(isJson ? schemaProblems(where, '#/components/schemas/Error', r.body) : [`${where}: an error answer that is not JSON`]);
  }
  const answer = route.responses[String(r.status)];
  if (!answer) return [`${where}: status ${r.status} is not documented for ${route.method} ${route.template}`];
  const content = answer.content as Record<string, Json> | undefined;
  if (!content) return r.body === '' || r.body === undefined || r.body === null ? [] : [`${where}: documented without a body, but one came`];
  const json = content['application/json'];
  if (json) {
    if (!isJson) return [`${where}: documented as JSON, answered ${r.contentType || 'without a content type'}`];
    const ref = (json.schema as Json).$ref as string | undefined;
    return ref ? schemaProblems(where, ref, r.body) : [];
  }
  const types = Object.keys(content);
  const matches = types.some((t) => t.endsWith('/*') ? r.contentType.startsWith(t.slice(0, -1)) : t === 'application/octet-stream' || r.contentType.startsWith(t));
  return matches ? [] : [`${where}: documented as ${types.join(' or ')}, answered ${r.contentType}`];
}

function schemaProblems(where: string, ref: string, body: unknown): string[] {
  const validate = validatorFor(ref);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${where}: ${ref.split('/').pop()}${e.instancePath} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Throws an AssertionError naming every way the response breaks the document. */
export function expectContract(r: Received): void {
  const problems = contractProblems(r);
  if (problems.length) throw new AssertionError(`the response breaks docs/openapi.json:\n${problems.join('\n')}`);
}

/** Every response the browser context gets from `origin` is checked; what breaks the document lands in `problems`. */
export function watchResponses(ctx: BrowserContext, origin: string, problems: string[]): void {
  ctx.on('response', (res) => {
    const url = new URL(res.url());
    // blob: URLs (image previews) share the page's origin but are not the server's answers.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (url.origin !== origin) return;
    const contentType = res.headers()['content-type'] ?? '';
    const isJson = /^application\/(.+\+)?json/.test(contentType);
    void (isJson ? res.text().then((t) => (t ? JSON.parse(t) : '')) : Promise.resolve(''))
      .then((body) => problems.push(...contractProblems({ method: res.request().method(), url: url.pathname + url.search, status: res.status(), contentType, body })))
      // A page closed before its body was read: nothing left to check.
      .catch(() => {});
  });
}
