import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import type { ErrorType } from './schemas.js';

/** An error answered as JSON in TEI's shape: {error, error_type} (plus the offending index). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType = 'Validation',
    readonly index?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): { error: string; error_type: ErrorType; index?: number } {
    return { error: this.message, error_type: this.type, ...(this.index !== undefined ? { index: this.index } : {}) };
  }
}

/** "/inputs/1/0" -> "inputs[1][0]"; "" -> "the body". */
function fieldName(instancePath: string): string {
  const parts = instancePath.split('/').slice(1);
  if (parts.length === 0) return 'the body';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const ARTICLE: Record<string, string> = { string: 'a string', array: 'an array', object: 'a JSON object', boolean: 'true or false', integer: 'an integer', number: 'a number' };

const depth = (e: FastifySchemaValidationError) => e.instancePath.split('/').length;

/**
 * One readable 400 from ajv's errors. With anyOf ("a text or a list of texts") ajv reports every branch;
 * the deepest error is the one that names the offending item, so it wins (and at equal depth, a
 * limit broken by the branch whose type did match beats a type mismatch of another branch); its first array index is the
 * index of the text in the request, as TEI reports it.
 */
export function validationError(errors: FastifySchemaValidationError[], context: string): HttpError {
  const deepest = [...errors].filter((e) => e.keyword !== 'anyOf').sort((a, b) => depth(b) - depth(a) || Number(a.keyword === 'type') - Number(b.keyword === 'type'))[0] ?? errors[0];
  if (!deepest) return new HttpError(400, `invalid ${context}`);
  const params = deepest.params as Record<string, unknown>;
  const field = fieldName(deepest.instancePath);
  const index = /^\/\w+\/(\d+)/.exec(deepest.instancePath)?.[1];
  let message: string;
  switch (deepest.keyword) {
    case 'required':
      message = `${context === 'params' ? 'path parameter' : 'field'} ${String(params.missingProperty)} is required`;
      break;
    case 'type':
      message = `${field} must be ${ARTICLE[String(params.type)] ?? String(params.type)}`;
      if (/^\/(inputs|input|texts)$/.test(deepest.instancePath)) message = `${field} must be a string or an array of strings`;
      break;
    case 'maxItems':
      message = `${field} holds more than ${String(params.limit)} ${params.limit === 2 ? 'items (a pair is two strings)' : 'items per request'}`;
      break;
    case 'minItems':
      message = params.limit === 1 ? `${field} is empty` : `${field} needs at least ${String(params.limit)} items`;
      break;
    case 'maxLength':
      message = `${field} has more than ${String(params.limit)} characters`;
      break;
    case 'enum':
      message = `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = `${field} ${deepest.message ?? 'is invalid'}`;
  }
  return new HttpError(400, message, 'Validation', index === undefined ? undefined : Number(index));
}
