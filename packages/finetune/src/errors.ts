/** Stable machine-readable error codes; messages may change, codes do not. */
export type FinetuneErrorCode =
  | 'E_INVALID_OPTION'
  | 'E_SHAPE'
  | 'E_MISSING_TENSORS'
  | 'E_UNSUPPORTED_MODEL'
  | 'E_RUNTIME'
  /** trainModel's signal aborted: a checkpoint was saved first. */
  | 'E_INTERRUPTED'
  /** Loss or gradient norm became NaN/inf: the update was not applied, the last good weights were saved. */
  | 'E_NON_FINITE'
  /** ENOSPC/EDQUOT while saving: the partial files were removed, the previous checkpoint is intact. */
  | 'E_DISK_FULL'
  /** Another file-system error while reading or writing a run's files. */
  | 'E_IO'
  /** A resumed run's options do not match the checkpoint's (model, task, batch, seed, data size, ...). */
  | 'E_RESUME_MISMATCH'
  /** No training examples. */
  | 'E_EMPTY_DATA'
  /** A TrainingMemory asked for more than its fixed capacity, or beyond what wasm32 addresses (4 GiB). */
  | 'E_MEMORY_CAPACITY';

export class FinetuneError extends Error {
  readonly code: FinetuneErrorCode;

  constructor(code: FinetuneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FinetuneError';
    this.code = code;
  }
}
