/** Stable machine-readable error codes; messages may change, codes do not. */
export type TrainerErrorCode = 'E_INVALID_OPTION' | 'E_TOO_FEW' | 'E_SHAPE' | 'E_READ' | 'E_WRITE' | 'E_PARSE';

export class TrainerError extends Error {
  readonly code: TrainerErrorCode;
  /** File and 1-based line for data errors. */
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(code: TrainerErrorCode, message: string, where: { file?: string; line?: number } = {}) {
    super(where.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ${message}` : message);
    this.name = 'TrainerError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
  }
}
