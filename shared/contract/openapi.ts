// The OpenAPI 3.1 document of the REST contract, generated from the route
// table (operations.ts), the request schemas the routes parse with and the
// contract's response shapes (JSON Schema 2020-12 by z.toJSONSchema, which is
// OpenAPI 3.1's dialect). Served at GET /openapi.json and written to
// docs/openapi.json by `npm run docs`.
import { z } from 'zod';
import { ERROR_CODES, ANY_ROUTE_ERRORS, type ErrorCode } from './errors.js';
import { responseShapes } from './common.js';
import { errorsOf, OPERATIONS, TAGS, type Operation, type RawAnswer } from './operations.js';

type Json = Record<string, unknown>;

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** A standalone JSON Schema without the dialect and id headers z.toJSONSchema adds. */
function bare(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function requestSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  // Request schemas embed no named response shape; a $defs here would dangle once inlined.
  if (out.$defs) throw new Error('a request schema embeds a named shape');
  return bare(out);
}

function components(): Record<string, Json> {
  const all = z.toJSONSchema(responseShapes, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', uri: componentRef }) as { schemas: Record<string, Json> };
  return Object.fromEntries(Object.entries(all.schemas).sort(([a], [b]) => a.localeCompare(b)).map(([id, s]) => [id, bare(s)]));
}

function isRaw(a: unknown): a is RawAnswer {
  return !!a && typeof a === 'object' && 'contentType' in a && 'description' in a && !(a instanceof z.ZodType);
}

/** Every JSON answer is a named shape (shared/contract/), so clients get one type per shape. */
function answerRef(schema: z.ZodType, where: string): Json {
  const id = responseShapes.get(schema)?.id;
  if (!id) throw new Error(`${where}: the answer is not a named shape of shared/contract/`);
  return { $ref: componentRef(id) };
}

function parameters(op: Operation): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [['path', op.params], ['query', op.query]] as const) {
    if (!obj) continue;
    for (const [name, field] of Object.entries(obj.shape) as [string, z.ZodType][]) {
      const schema = requestSchema(field);
      const description = (schema.description as string | undefined) ?? field.description;
      delete schema.description;
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema,
      });
    }
  }
  return out;
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } } };

function responses(op: Operation): Json {
  const out: Record<string, Json> = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    if (answer === null) out[status] = { description: 'No content.' };
    else if (isRaw(answer)) {
      out[status] = answer.contentType
        ? { description: answer.description, content: { [answer.contentType]: { schema: answer.contentType.startsWith('text/') || answer.contentType === 'application/json' ? {} : { type: 'string', contentMediaType: answer.contentType } } } }
        : { description: answer.description };
    } else {
      const meta = responseShapes.get(answer);
      out[status] = { description: meta?.description ?? meta?.id ?? 'OK', content: { 'application/json': { schema: answerRef(answer, `${op.method} ${op.path} ${status}`) } } };
    }
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(op, ANY_ROUTE_ERRORS)) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: codes.map((c) => `\`${c}\`: ${ERROR_CODES[c].meaning}`).join('\n\n'),
      ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      content: { 'application/json': { schema: { $ref: componentRef('Error') } } },
      'x-error-codes': codes,
    };
  }
  return out;
}

function requestBody(op: Operation): Json | undefined {
  if (!op.body) return undefined;
  const content: Json = {};
  if (op.body.json) content['application/json'] = { schema: requestSchema(op.body.json) };
  if (op.body.multipart) {
    content['multipart/form-data'] = {
      schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The image: JPEG, PNG, WebP, AVIF or HEIC by its content.' } }, required: ['file'] },
    };
  }
  return { required: !op.body.optional, content };
}

/** A stable operationId from method and path: GET /profiles/{user_id}/photos → getProfilesByUserIdPhotos. */
export function operationId(op: Pick<Operation, 'method' | 'path'>): string {
  const words = op.path
    .split('/')
    .filter(Boolean)
    .flatMap((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return param ? ['by', ...param[1].split('_')] : seg.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return op.method + (words.length ? words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') : 'Root');
}

function operation(op: Operation): Json {
  const params = parameters(op);
  const body = requestBody(op);
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    operationId: operationId(op),
    security: op.auth === 'none' ? [] : op.auth === 'metrics' ? [{ metricsToken: [] }] : [{ bearer: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: responses(op),
  };
}

export interface OpenApiOptions {
  version: string;
}

export function openApiDocument(opts: OpenApiOptions): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operation(op);
  return {
    openapi: '3.1.1',
    info: {
      title: 'Dating Mini App API',
      version: opts.version,
      description:
        'The REST contract of the dating Mini App. Every path is served at `/` and under `/api/v1`. Errors have one shape (`Error`); each answer lists its codes (`x-error-codes`). The socket is described by the AsyncAPI document at `/asyncapi.json`. Conventions, pagination, idempotency and rate limits: docs/API.md.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      { url: '/', description: 'The gateway (or the all-in-one process).' },
      { url: '/api/v1', description: 'The same routes under the versioned prefix.' },
    ],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token of POST /auth/token or /auth/refresh.' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (operators only).' },
      },
      schemas: components(),
    },
  };
}
