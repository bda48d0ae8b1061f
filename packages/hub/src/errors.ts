/** Stable machine-readable error codes; messages may change, codes do not. */
export type HubErrorCode =
  | 'E_INVALID_ARGUMENT'
  /** 401/404 with X-Error-Code RepoNotFound: missing, or private without a (valid) token. */
  | 'E_REPO_NOT_FOUND'
  /** X-Error-Code GatedRepo: the terms have to be accepted on the website. */
  | 'E_GATED'
  | 'E_REVISION_NOT_FOUND'
  | 'E_ENTRY_NOT_FOUND'
  /** 401 "Invalid credentials in Authorization header": the token itself was refused. */
  | 'E_BAD_TOKEN'
  | 'E_FORBIDDEN'
  /** Any other HTTP failure, after retries. */
  | 'E_HTTP'
  /** No connection (or no answer within the connect timeout), after retries. */
  | 'E_UNREACHABLE'
  /** A body stopped (dropped or stalled) more times than the retries allow; the partial blob is kept. */
  | 'E_INTERRUPTED'
  | 'E_CHECKSUM'
  /** The server's answer lacks what the protocol promises (commit, ETag, size). */
  | 'E_BAD_RESPONSE'
  /** HF_HUB_OFFLINE (or `offline: true`) and the revision is not in the cache. */
  | 'E_NOT_CACHED'
  | 'E_ABORTED';

export class HubError extends Error {
  readonly code: HubErrorCode;
  /** HTTP status, when the error came from a response. */
  readonly status: number | undefined;
  readonly repo: string | undefined;
  readonly file: string | undefined;

  constructor(code: HubErrorCode, message: string, details: { status?: number; repo?: string; file?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HubError';
    this.code = code;
    this.status = details.status;
    this.repo = details.repo;
    this.file = details.file;
  }
}
