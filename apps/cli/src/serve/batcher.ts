import type { EmbedOptions, Encoder, TokenVectors } from '@bertkit/encoder';

export type SentenceInput = string | [string, string];

export interface BatcherOptions {
  /** Tokens (real, not padded) per model run. */
  maxBatchTokens: number;
  /** How long the first waiting text waits for company before its batch runs. */
  maxDelayMs: number;
  /** Texts waiting, beyond which new requests are refused (HTTP 429). */
  maxQueue: number;
  /** false: one request at a time, unmerged (the baseline the load test compares against). */
  batching: boolean;
}

export class QueueFullError extends Error {
  constructor(readonly depth: number) {
    super(`the queue holds ${depth} texts; try again shortly`);
  }
}

export class CancelledError extends Error {}

interface Job {
  inputs: readonly SentenceInput[];
  lengths: number[];
  next: number;
  done: number;
  out: Float32Array | null;
  cancelled: boolean;
  resolve: (v: Float32Array) => void;
  reject: (e: Error) => void;
}

/** A request for token-level vectors (NER): merged whole with other such requests into one model run. */
interface TokenJob {
  inputs: readonly string[];
  tokens: number;
  cancelled: boolean;
  resolve: (v: TokenVectors[]) => void;
  reject: (e: Error) => void;
}

interface Exclusive {
  run: () => Promise<void>;
}

export interface BatchObserver {
  (batch: { texts: number; tokens: number; requests: number; seconds: number }): void;
}

/**
 * Dynamic batching: texts of concurrent requests are merged into model runs bounded by a token budget,
 * taken round-robin across requests so that a 1-text request is not queued behind all of a 1,000-text
 * one. One run at a time (onnxruntime already uses every core inside a run); token-level work (NER, QA)
 * takes its turn between runs.
 */
export class Batcher {
  private readonly jobs: Job[] = [];
  private readonly exclusive: Exclusive[] = [];
  private readonly tokenJobs: TokenJob[] = [];
  private queued = 0;
  /** Tokens of the queued texts, kept as texts come and go so scheduling never rescans the queue. */
  private queuedTokens = 0;
  /** Layers of the token-level requests (one bundle, one setting). */
  private layers: number[] = [-1];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  dim = 0;

  constructor(
    private readonly encoder: Encoder,
    private readonly embedOptions: EmbedOptions,
    private readonly options: BatcherOptions,
    private readonly observe: BatchObserver = () => {},
  ) {}

  /** Texts waiting for a run. */
  get depth(): number {
    return this.queued;
  }

  /** Tokens of the texts waiting. */
  get depthTokens(): number {
    return this.queuedTokens;
  }

  /** Vectors (rows x dim) of `inputs`; rejects with QueueFullError at once when the queue is full. */
  embed(inputs: readonly SentenceInput[], lengths: number[]): { promise: Promise<Float32Array>; cancel: () => void } {
    if (this.queued + inputs.length > this.options.maxQueue && this.queued > 0) throw new QueueFullError(this.queued);
    let job!: Job;
    const promise = new Promise<Float32Array>((resolve, reject) => {
      job = { inputs, lengths, next: 0, done: 0, out: null, cancelled: false, resolve, reject };
    });
    this.jobs.push(job);
    this.queued += inputs.length;
    this.queuedTokens += lengths.reduce((a, b) => a + b, 0);
    this.schedule();
    const cancel = () => {
      if (job.cancelled || job.done === inputs.length) return;
      job.cancelled = true;
      this.dequeue(job, inputs.length);
      const i = this.jobs.indexOf(job);
      if (i >= 0) this.jobs.splice(i, 1);
      job.reject(new CancelledError('cancelled'));
    };
    return { promise, cancel };
  }

  /**
   * Every token's vector of `inputs` (layers as `layers`), run together with other pending token
   * requests; rejects with QueueFullError at once when the queue is full.
   */
  tokens(inputs: readonly string[], lengths: number[], layers: number[]): { promise: Promise<TokenVectors[]>; cancel: () => void } {
    if (this.queued + inputs.length > this.options.maxQueue && this.queued > 0) throw new QueueFullError(this.queued);
    this.layers = layers;
    let job!: TokenJob;
    const promise = new Promise<TokenVectors[]>((resolve, reject) => {
      job = { inputs, tokens: lengths.reduce((a, b) => a + b, 0), cancelled: false, resolve, reject };
    });
    this.tokenJobs.push(job);
    this.queued += inputs.length;
    this.queuedTokens += job.tokens;
    this.schedule();
    const cancel = () => {
      if (job.cancelled) return;
      job.cancelled = true;
      const i = this.tokenJobs.indexOf(job);
      if (i >= 0) {
        this.tokenJobs.splice(i, 1);
        this.queued -= inputs.length;
        this.queuedTokens -= job.tokens;
      }
      // A no-op when the run already answered.
      job.reject(new CancelledError('cancelled'));
    };
    return { promise, cancel };
  }

  /** Runs `fn` when the model is free (between batches). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.exclusive.push({ run: () => fn().then(resolve, reject) });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    const now = !this.options.batching || this.exclusive.length > 0 || this.queuedTokens >= this.options.maxBatchTokens || this.options.maxDelayMs <= 0;
    if (now) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.loop();
    } else if (!this.timer && (this.jobs.length > 0 || this.tokenJobs.length > 0)) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.loop();
      }, this.options.maxDelayMs);
    }
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const ex = this.exclusive.shift();
        if (ex) {
          await ex.run();
          continue;
        }
        const tokenBatch = this.takeTokenJobs();
        if (tokenBatch.length > 0) await this.runTokenBatch(tokenBatch);
        const batch = this.take();
        if (batch.length === 0 && tokenBatch.length === 0) break;
        if (batch.length > 0) await this.runBatch(batch);
      }
    } finally {
      this.running = false;
    }
    if (this.jobs.length > 0 || this.tokenJobs.length > 0 || this.exclusive.length > 0) this.schedule();
  }

  /** The next batch: round-robin over waiting requests, one text at a time, within the token budget. */
  private take(): Array<{ job: Job; index: number }> {
    const batch: Array<{ job: Job; index: number }> = [];
    if (!this.options.batching) {
      const job = this.jobs[0];
      if (!job) return batch;
      for (let i = job.next; i < job.inputs.length; i++) batch.push({ job, index: i });
      this.dequeue(job, job.inputs.length);
      this.jobs.shift();
      return batch;
    }
    let tokens = 0;
    let progress = true;
    while (progress) {
      progress = false;
      for (const job of this.jobs) {
        if (job.next >= job.inputs.length) continue;
        const length = job.lengths[job.next] as number;
        if (batch.length > 0 && tokens + length > this.options.maxBatchTokens) return this.settle(batch);
        batch.push({ job, index: job.next });
        this.dequeue(job, job.next + 1);
        tokens += length;
        progress = true;
      }
    }
    return this.settle(batch);
  }

  /** Whole token requests, oldest first, within the token budget (always at least one; one without batching). */
  private takeTokenJobs(): TokenJob[] {
    const out: TokenJob[] = [];
    let tokens = 0;
    while (this.tokenJobs.length > 0) {
      const job = this.tokenJobs[0] as TokenJob;
      if (out.length > 0 && (!this.options.batching || tokens + job.tokens > this.options.maxBatchTokens)) break;
      out.push(job);
      tokens += job.tokens;
      this.tokenJobs.shift();
      this.queued -= job.inputs.length;
      this.queuedTokens -= job.tokens;
    }
    return out;
  }

  private async runTokenBatch(jobs: TokenJob[]): Promise<void> {
    const t0 = performance.now();
    const inputs = jobs.flatMap((j) => j.inputs);
    let rows: TokenVectors[];
    try {
      rows = await this.encoder.encodeTokens(inputs, { layers: this.layers, batchTokens: Math.max(this.options.maxBatchTokens, 512) });
    } catch (error) {
      for (const job of jobs) if (!job.cancelled) job.reject(error as Error);
      return;
    }
    let first = 0;
    for (const job of jobs) {
      const end = first + job.inputs.length;
      // Rows come back in input order; `input` is renumbered within the job.
      const mine = rows.filter((r) => r.input >= first && r.input < end).map((r) => ({ ...r, input: r.input - first }));
      if (!job.cancelled) job.resolve(mine);
      first = end;
    }
    this.observe({ texts: inputs.length, tokens: jobs.reduce((s, j) => s + j.tokens, 0), requests: jobs.length, seconds: (performance.now() - t0) / 1000 });
  }

  /** Marks a sentence job's texts up to `next` as taken (or dropped) from the queue. */
  private dequeue(job: Job, next: number): void {
    for (let i = job.next; i < next; i++) this.queuedTokens -= job.lengths[i] as number;
    this.queued -= next - job.next;
    job.next = next;
  }

  private settle(batch: Array<{ job: Job; index: number }>): Array<{ job: Job; index: number }> {
    for (let i = this.jobs.length - 1; i >= 0; i--) if ((this.jobs[i] as Job).next >= (this.jobs[i] as Job).inputs.length) this.jobs.splice(i, 1);
    return batch;
  }

  private async runBatch(batch: Array<{ job: Job; index: number }>): Promise<void> {
    const t0 = performance.now();
    const inputs = batch.map((b) => b.job.inputs[b.index] as SentenceInput);
    let e;
    try {
      e = await this.encoder.embed(inputs, { ...this.embedOptions, batchTokens: Math.max(this.options.maxBatchTokens, 512) });
    } catch (error) {
      for (const job of new Set(batch.map((b) => b.job))) if (!job.cancelled) job.reject(error as Error);
      return;
    }
    this.dim = e.dim;
    const requests = new Set<Job>();
    batch.forEach((b, row) => {
      const job = b.job;
      requests.add(job);
      if (job.cancelled) return;
      job.out ??= new Float32Array(job.inputs.length * e.dim);
      job.out.set(e.data.subarray(row * e.dim, (row + 1) * e.dim), b.index * e.dim);
      job.done++;
      if (job.done === job.inputs.length) job.resolve(job.out);
    });
    this.observe({ texts: batch.length, tokens: batch.reduce((s, b) => s + (b.job.lengths[b.index] as number), 0), requests: requests.size, seconds: (performance.now() - t0) / 1000 });
  }
}
