import { HubError } from './errors.js';

export interface RetryOptions {
  /** Attempts after the first on 408/429/5xx and connection errors (default 5, as huggingface_hub). */
  retries?: number;
  /** First backoff delay; doubles each retry up to maxDelayMs, with jitter (default 1000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Retry-After is honoured up to this long (default 60 s); longer waits fail with the server's message. */
  maxRetryAfterMs?: number;
  /** No response headers within this long counts as a connection failure (default 20 s). */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RequestContext {
  repo: string;
  revision?: string;
  file?: string;
  endpoint: string;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const OFFLINE_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|bad port)$/;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done, fail) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), fail(new HubError('E_ABORTED', 'aborted'))), { once: true });
  });

/** Seconds (delay-seconds form; an HTTP date as well) from a Retry-After header. */
export function retryAfterMs(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Exponential backoff with jitter: base * 2^attempt, capped, times a factor in [0.5, 1). */
export function backoffMs(attempt: number, o: RetryOptions): number {
  const cap = Math.min(o.maxDelayMs ?? 8000, (o.baseDelayMs ?? 1000) * 2 ** attempt);
  return cap * (0.5 + Math.random() * 0.5);
}

function reasonOf(error: unknown): string {
  const e = error as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? e.name ?? String(error);
}

export interface HubRequest {
  method: 'GET' | 'HEAD';
  url: string;
  headers: Record<string, string>;
  /**
   * Follow only relative redirects (a renamed repository), returning an absolute one as is: a HEAD on a
   * resolve URL must see the LFS redirect's X-Linked-* headers, as huggingface_hub's metadata call.
   */
  relativeRedirectsOnly?: boolean;
}

/**
 * One Hub request with huggingface_hub's semantics: retries with backoff on 408/429/5xx and connection
 * errors (Retry-After honoured), redirects followed by hand so that `Authorization` never leaves the
 * endpoint's host (LFS files are served from a CDN through a signed URL), X-Error-Code mapped to HubError.
 * Resolves when the headers are in; the caller reads (or cancels) the body.
 */
export async function hubRequest(req: HubRequest, ctx: RequestContext, o: RetryOptions = {}): Promise<Response> {
  const retries = o.retries ?? 5;
  let url = req.url;
  let headers = { ...req.headers };
  for (let attempt = 0, hops = 0; ; ) {
    if (o.signal?.aborted) throw new HubError('E_ABORTED', 'aborted', { repo: ctx.repo });
    let response: Response;
    const controller = new AbortController();
    const timeoutMs = o.connectTimeoutMs ?? 20_000;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref();
    const onAbort = () => controller.abort(new HubError('E_ABORTED', 'aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      response = await fetch(url, { method: req.method, headers, redirect: 'manual', signal: controller.signal });
    } catch (error) {
      if (o.signal?.aborted) throw new HubError('E_ABORTED', 'aborted', { repo: ctx.repo });
      // No route, no name, nobody listening: offline or a wrong HF_ENDPOINT, rarely a blip. One quick retry,
      // then say so at once rather than after half a minute of backoff.
      const hopeless = OFFLINE_CODES.test(reasonOf(error)) && attempt >= 1;
      if (attempt < retries && !hopeless) {
        await sleep(backoffMs(attempt++, o), o.signal);
        continue;
      }
      throw new HubError('E_UNREACHABLE', `cannot reach ${new URL(url).origin} (${reasonOf(error)}${attempt ? ` after ${attempt + 1} attempts` : ''})`, { repo: ctx.repo, cause: error });
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      const location = response.headers.get('location') as string;
      const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location);
      if (absolute && req.relativeRedirectsOnly) return response;
      await response.body?.cancel();
      if (++hops > 10) throw new HubError('E_HTTP', `${req.url}: more than 10 redirects`, { repo: ctx.repo });
      const next = new URL(location, url);
      // A redirect to another host is a signed CDN URL: the Hub token must not go there.
      if (next.host !== new URL(url).host) {
        const { authorization: _, ...rest } = headers;
        headers = rest;
      }
      url = next.href;
      continue;
    }
    if (response.ok) return response;
    if (RETRY_STATUS.has(response.status) && attempt < retries) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      if (wait === null || wait <= (o.maxRetryAfterMs ?? 60_000)) {
        await response.body?.cancel();
        await sleep(wait !== null ? wait + Math.random() * 100 : backoffMs(attempt, o), o.signal);
        attempt++;
        continue;
      }
    }
    throw await errorFor(response, ctx, url);
  }
}

/** huggingface_hub's hf_raise_for_status, with messages that say what to do. */
async function errorFor(response: Response, ctx: RequestContext, url: string): Promise<HubError> {
  const code = response.headers.get('x-error-code');
  const serverMessage = response.headers.get('x-error-message');
  const body = await response.text().catch(() => '');
  const status = response.status;
  const d = { status, repo: ctx.repo, ...(ctx.file ? { file: ctx.file } : {}) };
  const what = ctx.revision ? `${ctx.repo}@${ctx.revision}` : ctx.repo;
  if (code === 'RevisionNotFound') return new HubError('E_REVISION_NOT_FOUND', `${ctx.repo}: revision "${ctx.revision ?? '?'}" not found (a branch, tag, commit sha or refs/pr/N)`, d);
  if (code === 'EntryNotFound') return new HubError('E_ENTRY_NOT_FOUND', `${what}: no file ${ctx.file ?? new URL(url).pathname}`, d);
  if (code === 'GatedRepo') {
    return new HubError('E_GATED', `${ctx.repo} is gated: accept the terms at ${ctx.endpoint}/${ctx.repo} (while logged in), then set HF_TOKEN or run \`huggingface-cli login\``, d);
  }
  if (status === 401 && serverMessage === 'Invalid credentials in Authorization header') {
    return new HubError('E_BAD_TOKEN', `${ctx.repo}: the Hub refused the token (invalid credentials); check HF_TOKEN or log in again with \`huggingface-cli login\``, d);
  }
  if (code === 'RepoNotFound' || status === 401) {
    return new HubError('E_REPO_NOT_FOUND', `${ctx.repo}: repository not found or private (check the id; if private, set HF_TOKEN or run \`huggingface-cli login\`)`, d);
  }
  if (status === 403) return new HubError('E_FORBIDDEN', `${what}: forbidden (HTTP 403${serverMessage ? `: ${serverMessage}` : ''}); check the token's permissions`, d);
  const detail = serverMessage ?? (body.length < 200 ? body.trim() : '');
  return new HubError('E_HTTP', `${url}: HTTP ${status}${detail ? ` (${detail})` : ''}`, d);
}
