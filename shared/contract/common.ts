// Building blocks of the response shapes: ids, timestamps, photo URLs and the
// error shape every failure answers with (shared/errors.ts renders it).
import { z } from 'zod';

/** Every response shape with a name, for the generated documents (shared/contract/openapi.ts). */
export const responseShapes = z.registry<{ id: string; description?: string }>();

/** Names a response shape: one component of the OpenAPI and AsyncAPI documents. */
export function shape<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  responseShapes.add(schema, description ? { id, description } : { id });
  return schema;
}

export const Id = shape('Uuid', z.uuid());
export const Timestamp = shape('Timestamp', z.iso.datetime(), 'An instant in UTC, ISO 8601 with milliseconds (2026-11-29T02:15:48.123Z).');

export const VARIANT_NAMES = ['thumb', 'medium', 'large'] as const;
/** One URL per variant; null for a variant not made yet or not shown. */
export const PhotoUrls = z.object({ thumb: z.string().nullable(), medium: z.string().nullable(), large: z.string().nullable() }) satisfies z.ZodType<
  Record<(typeof VARIANT_NAMES)[number], string | null>
>;

export const ErrorBody = shape(
  'Error',
  z.object({
    error: z.object({
      /** Stable and machine-readable: docs/API.md lists every code. */
      code: z.string(),
      message: z.string(),
      /** validation_failed: [{field, message}]; rate_limited / quota_exceeded: {retry_after_s}; internal_error: {request_id}. */
      details: z.unknown().optional(),
    }),
  }),
  'Every error answer: a stable code, a human message and, for some codes, details.',
);
export type ErrorBody = z.infer<typeof ErrorBody>;
