// zod → the contract's 400 validation_failed, with one detail per bad field.
import type { z } from 'zod';
import { AppError, type FieldProblem } from './errors.js';

export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(body)', message: i.message }));
}

export function parse<S extends z.ZodType>(schema: S, input: unknown, message?: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw AppError.validation(problemsOf(r.error), message);
  return r.data;
}
