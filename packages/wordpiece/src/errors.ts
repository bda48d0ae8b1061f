/** Stable machine-readable error codes; messages may change, codes do not. */
export type TokenizerErrorCode =
  | 'E_FILE_NOT_FOUND'
  | 'E_FILE_UNREADABLE'
  | 'E_EMPTY_FILE'
  | 'E_MALFORMED_VOCAB'
  | 'E_MALFORMED_TOKENIZER_JSON'
  | 'E_UNSUPPORTED_TOKENIZER'
  | 'E_MISSING_TOKEN'
  | 'E_INVALID_OPTION'
  | 'E_TRUNCATION'
  | 'E_UNSUPPORTED_FEATURE';

export class TokenizerError extends Error {
  readonly code: TokenizerErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(code: TokenizerErrorCode, message: string, details: { file?: string; line?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TokenizerError';
    this.code = code;
    this.file = details.file;
    this.line = details.line;
  }
}

/** Thrown for arguments of the wrong type, so callers can catch it as a plain TypeError. */
export class TokenizerTypeError extends TypeError {
  readonly code = 'E_INVALID_ARGUMENT' as const;
  readonly argument: string;

  constructor(argument: string, expected: string, value: unknown) {
    super(`${argument} must be ${expected}, got ${describe(value)}`);
    this.name = 'TokenizerTypeError';
    this.argument = argument;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}
