/** Stable machine-readable error codes; messages may change, codes do not. */
export type HeadsErrorCode =
  | 'E_EMPTY'
  | 'E_SHAPE'
  | 'E_NOT_FINITE'
  | 'E_SINGLE_CLASS'
  | 'E_UNKNOWN_LABEL'
  | 'E_NOT_FITTED'
  | 'E_BAD_SAVED'
  | 'E_INVALID_OPTION'
  | 'E_WORKER'
  | 'E_UNSUPPORTED';

export class HeadsError extends Error {
  readonly code: HeadsErrorCode;

  constructor(code: HeadsErrorCode, message: string) {
    super(message);
    this.name = 'HeadsError';
    this.code = code;
  }
}
