/** Stable machine-readable error codes; messages may change, codes do not. */
export type EncoderErrorCode =
  | 'E_MODEL_NOT_FOUND'
  | 'E_BAD_CONFIG'
  | 'E_BAD_ONNX'
  | 'E_BAD_INPUTS'
  | 'E_VOCAB_TOO_LARGE'
  | 'E_LAYERS_UNAVAILABLE'
  | 'E_INVALID_OPTION'
  | 'E_RUNTIME'
  /** The tokenizer cannot do what was asked (no offsets for token-level results, no truncation of pairs). */
  | 'E_TOKENIZER_LIMITS'
  /** A graph given as a fine-tuned task model has no logits (or start_logits/end_logits) output. */
  | 'E_NOT_A_TASK_MODEL';

export class EncoderError extends Error {
  readonly code: EncoderErrorCode;
  readonly file: string | undefined;

  constructor(code: EncoderErrorCode, message: string, details: { file?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EncoderError';
    this.code = code;
    this.file = details.file;
  }
}

/** Thrown for arguments of the wrong type, so callers can catch it as a plain TypeError. */
export class EncoderTypeError extends TypeError {
  readonly code = 'E_INVALID_ARGUMENT' as const;
  constructor(argument: string, expected: string, value: unknown) {
    super(`${argument} must be ${expected}, got ${describe(value)}`);
    this.name = 'EncoderTypeError';
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${typeof value} ${String(value)}`;
}
