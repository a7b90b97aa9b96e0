// zod → the contract's 400 validation_failed, with one detail per bad field.
// Every accepted string is also checked for what no field may hold: NUL
// (PostgreSQL text and jsonb cannot store it) and unpaired UTF-16 surrogates
// (not Unicode: silently turned into U+FFFD on the way to the database, and
// refused outright inside jsonb).
import type { z } from 'zod';
import { AppError, type FieldProblem } from './errors.js';

const fieldOf = (path: PropertyKey[]) => (path.length ? path.map(String).join('.') : '(body)');

export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((i) =>
    // An unknown field is named itself, not as "(body): Unrecognized key".
    i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: fieldOf([...i.path, k]), message: 'unknown field' })) : [{ field: fieldOf(i.path), message: i.message }],
  );
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why no field may hold this string, or undefined when it is fine. */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (UNPAIRED_SURROGATE.test(s)) return 'must be valid Unicode text (an unpaired surrogate was sent)';
  return undefined;
}

/** The strings (and keys) in a parsed value that no field may hold; empty when there are none. */
export function textProblems(value: unknown, path: PropertyKey[] = [], out: FieldProblem[] = [], depth = 0): FieldProblem[] {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) out.push({ field: fieldOf(path), message: problem });
  } else if (value !== null && typeof value === 'object' && depth < 32 && out.length < 20) {
    for (const [k, v] of Object.entries(value)) {
      const problem = textProblem(k);
      if (problem) out.push({ field: fieldOf([...path, k]), message: `has a key that ${problem}` });
      textProblems(v, [...path, k], out, depth + 1);
    }
  }
  return out;
}

/** Nothing a reader would see: only white space, control and format characters (zero-width, bidi marks) or fillers. */
export function isBlank(s: string): boolean {
  return /^[\s\p{Cc}\p{Cf}\u115f\u1160\u2800\u3164\uffa0]*$/u.test(s);
}

/** Length as a user counts it: code points (an emoji is one), as PostgreSQL counts varchar. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function parse<S extends z.ZodType>(schema: S, input: unknown, message?: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw AppError.validation(problemsOf(r.error), message);
  const text = textProblems(r.data);
  if (text.length) throw AppError.validation(text, message);
  return r.data;
}
