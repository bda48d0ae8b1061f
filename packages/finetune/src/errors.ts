/** Stable machine-readable error codes; messages may change, codes do not. */
export type FinetuneErrorCode = 'E_INVALID_OPTION' | 'E_SHAPE' | 'E_MISSING_TENSORS' | 'E_UNSUPPORTED_MODEL' | 'E_RUNTIME';

export class FinetuneError extends Error {
  readonly code: FinetuneErrorCode;

  constructor(code: FinetuneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FinetuneError';
    this.code = code;
  }
}
