import type { z } from 'zod';
import { ConfigError } from './errors.js';

/** The first problem zod found, as a ConfigError naming the field (or the unknown key). */
export function configErrorFrom(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') return new ConfigError(issue.keys.join(', '), 'is not a known setting', { cause: error });
  const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  return new ConfigError(field, issue?.message ?? 'invalid', { cause: error });
}
