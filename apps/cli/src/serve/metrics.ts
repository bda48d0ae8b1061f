/** Prometheus text exposition (format 0.0.4) of the server's counters, histograms and gauges. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i] = (this.counts[i] as number) + 1;
    });
  }
  render(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : '';
    return [
      ...this.buckets.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${labels ? `{${labels}}` : ''} ${this.sum}`,
      `${name}_count${labels ? `{${labels}}` : ''} ${this.count}`,
    ];
  }
}

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  readonly batchTexts = new Histogram(SIZES);
  readonly batchRequests = new Histogram(SIZES);
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  request(route: string, status: number, seconds: number): void {
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY)));
    h.observe(seconds);
  }

  batch(texts: number, requests: number): void {
    this.batchTexts.observe(texts);
    this.batchRequests.observe(requests);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  render(): string {
    const lines = ['# HELP bertkit_requests_total HTTP requests by route and status.', '# TYPE bertkit_requests_total counter'];
    for (const [k, v] of this.requests) lines.push(`bertkit_requests_total{${k}} ${v}`);
    lines.push('# HELP bertkit_request_duration_seconds Request latency by route.', '# TYPE bertkit_request_duration_seconds histogram');
    for (const [route, h] of this.latency) lines.push(...h.render('bertkit_request_duration_seconds', `route="${route}"`));
    lines.push('# HELP bertkit_batch_texts Texts per model run.', '# TYPE bertkit_batch_texts histogram', ...this.batchTexts.render('bertkit_batch_texts', ''));
    lines.push('# HELP bertkit_batch_requests Requests merged into one model run.', '# TYPE bertkit_batch_requests histogram', ...this.batchRequests.render('bertkit_batch_requests', ''));
    for (const [name, g] of this.gauges) lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    return `${lines.join('\n')}\n`;
  }
}
