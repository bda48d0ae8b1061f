/** Stable machine-readable codes of the pytorch_model.bin reader; messages may change, codes do not. */
export type PytorchBinErrorCode =
  | 'E_FILE_NOT_FOUND'
  | 'E_TRUNCATED'
  | 'E_BAD_ZIP'
  | 'E_BAD_PICKLE'
  | 'E_UNSAFE_PICKLE'
  | 'E_UNSUPPORTED_CHECKPOINT'
  | 'E_MISSING_ENTRY'
  | 'E_STORAGE_TOO_SMALL'
  | 'E_UNSUPPORTED_DTYPE'
  | 'E_MISSING_TENSORS'
  | 'E_SHAPE_MISMATCH';

export interface PytorchBinErrorDetails {
  /** The tensor (state dict key) concerned, when there is one. */
  tensor?: string;
  /** For E_UNSAFE_PICKLE: the refused global as `module.name`. */
  global?: string;
  cause?: unknown;
}

export class PytorchBinError extends Error {
  readonly code: PytorchBinErrorCode;
  readonly file: string;
  readonly tensor: string | undefined;
  readonly global: string | undefined;

  constructor(code: PytorchBinErrorCode, file: string, message: string, details: PytorchBinErrorDetails = {}) {
    super(`${file}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PytorchBinError';
    this.code = code;
    this.file = file;
    this.tensor = details.tensor;
    this.global = details.global;
  }
}
