import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const TOKENS = [16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** What the queue holds right now (read at scrape time). */
export interface QueueProbe {
  texts: () => number;
  tokens: () => number;
}

/**
 * The server's Prometheus metrics on a registry of its own (so two servers in one process, as in tests,
 * never share counters): Node and process defaults from prom-client plus requests, latency, model runs
 * and the queue. Batch and queue series carry no model label: `bertkit_batch_texts_sum` and
 * `bertkit_queue_depth` are read as single numbers by the bench.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly requestTexts: Counter<'route'>;
  private readonly requestTokens: Counter<'route'>;
  private readonly batchTexts: Histogram;
  private readonly batchTokens: Histogram;
  private readonly batchRequests: Histogram;
  private readonly batchSeconds: Histogram;

  constructor(queue: QueueProbe) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'bertkit_http_requests_total', help: 'HTTP requests answered, by method, route and status.', labelNames: ['method', 'route', 'status'], registers });
    this.latency = new Histogram({ name: 'bertkit_http_request_duration_seconds', help: 'Time from the request line to the last response byte, by method and route.', labelNames: ['method', 'route'], buckets: LATENCY, registers });
    this.requestTexts = new Counter({ name: 'bertkit_request_texts_total', help: 'Texts received in answered requests, by route.', labelNames: ['route'], registers });
    this.requestTokens = new Counter({ name: 'bertkit_request_tokens_total', help: 'Tokens of the texts received in answered requests, by route.', labelNames: ['route'], registers });
    this.batchTexts = new Histogram({ name: 'bertkit_batch_texts', help: 'Texts per model run.', buckets: SIZES, registers });
    this.batchTokens = new Histogram({ name: 'bertkit_batch_tokens', help: 'Tokens (unpadded) per model run.', buckets: TOKENS, registers });
    this.batchRequests = new Histogram({ name: 'bertkit_batch_requests', help: 'Requests merged into one model run.', buckets: SIZES, registers });
    this.batchSeconds = new Histogram({ name: 'bertkit_batch_duration_seconds', help: 'Time of one model run.', buckets: LATENCY, registers });
    new Gauge({
      name: 'bertkit_queue_depth',
      help: 'Texts waiting for a model run.',
      registers,
      collect() {
        this.set(queue.texts());
      },
    });
    new Gauge({
      name: 'bertkit_queue_tokens',
      help: 'Tokens of the texts waiting for a model run.',
      registers,
      collect() {
        this.set(queue.tokens());
      },
    });
  }

  request(method: string, route: string, status: number, seconds: number, usage: { texts: number; tokens: number } | undefined): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
    if (usage) {
      this.requestTexts.inc({ route }, usage.texts);
      this.requestTokens.inc({ route }, usage.tokens);
    }
  }

  batch(b: { texts: number; tokens: number; requests: number; seconds: number }): void {
    this.batchTexts.observe(b.texts);
    this.batchTokens.observe(b.tokens);
    this.batchRequests.observe(b.requests);
    this.batchSeconds.observe(b.seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
