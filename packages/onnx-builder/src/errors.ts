/** Stable machine-readable error codes; messages may change, codes do not. */
export type SafetensorsErrorCode = 'E_FILE_NOT_FOUND' | 'E_TRUNCATED' | 'E_BAD_HEADER' | 'E_UNSUPPORTED_DTYPE' | 'E_MISSING_TENSORS' | 'E_SHAPE_MISMATCH';

export class SafetensorsError extends Error {
  readonly code: SafetensorsErrorCode;
  readonly file: string;

  constructor(code: SafetensorsErrorCode, file: string, message: string, cause?: unknown) {
    super(`${file}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'SafetensorsError';
    this.code = code;
    this.file = file;
  }
}
