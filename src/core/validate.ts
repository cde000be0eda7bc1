/**
 * The single place a ZodError becomes our ValidationError. Boundaries call parseAt once;
 * inside the pipeline values are trusted and typed.
 */
import type { z } from 'zod';
import { ValidationError } from './errors.js';

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export function parseAt<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = formatIssues(r.error);
  throw new ValidationError(`invalid ${what}: ${issues.join('; ')}`, issues, { cause: r.error });
}
