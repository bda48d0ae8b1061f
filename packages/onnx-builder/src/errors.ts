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

export type ModelToolsErrorCode = 'E_NOT_FOUND' | 'E_BAD_CONFIG' | 'E_UNKNOWN_MODEL_TYPE' | 'E_UNSUPPORTED' | 'E_BAD_ONNX' | 'E_INVALID_OPTION';

/** Errors of conversion, random models and quantization; `file` names what was being read or written. */
export class ModelToolsError extends Error {
  readonly code: ModelToolsErrorCode;
  readonly file: string | undefined;

  constructor(code: ModelToolsErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelToolsError';
    this.code = code;
    this.file = options.file;
  }
}
