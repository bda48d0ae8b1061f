// The Dockerfile and the Kubernetes manifests in deploy/. With a reachable cluster, kubectl checks them
// (apply --dry-run=client); always, a schema subset written here checks kinds, required fields and the
// cross-references (selectors, probes, ports, the shard count), so the test never passes nothing.
// With a Docker daemon, the image is built and run (BERTKIT_TEST_DOCKER=0 skips that).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const DEPLOY = join(ROOT, 'deploy');

// biome-ignore lint: manifests are untyped JSON
type Doc = Record<string, any>;
const docs: Array<{ file: string; doc: Doc }> = readdirSync(DEPLOY)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);

const API: Record<string, string> = { Deployment: 'apps/v1', Service: 'v1', HorizontalPodAutoscaler: 'autoscaling/v2', Job: 'batch/v1', PersistentVolumeClaim: 'v1' };
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkPodSpec(where: string, spec: Doc): void {
  expect(Array.isArray(spec?.containers) && spec.containers.length > 0, `${where}: containers`).toBe(true);
  for (const c of spec.containers as Doc[]) {
    expect(c.name, `${where}: container name`).toMatch(DNS1123);
    expect(typeof c.image, `${where}: image`).toBe('string');
    expect(c.resources?.requests?.cpu, `${where}: cpu request`).toBeDefined();
    expect(c.resources?.requests?.memory, `${where}: memory request`).toBeDefined();
    for (const v of (c.volumeMounts ?? []) as Doc[]) expect((spec.volumes as Doc[]).map((x) => x.name), `${where}: volume ${v.name}`).toContain(v.name);
  }
  expect(spec.securityContext?.runAsNonRoot, `${where}: non-root`).toBe(true);
}

describe('deploy/ manifests', () => {
  it('every document has a known apiVersion/kind and a DNS-1123 name', () => {
    expect(docs.length).toBeGreaterThanOrEqual(6);
    for (const { file, doc } of docs) {
      expect(API[doc.kind], `${file}: kind ${doc.kind}`).toBeDefined();
      expect(doc.apiVersion, `${file}: ${doc.kind} apiVersion`).toBe(API[doc.kind]);
      expect(doc.metadata?.name, `${file}: metadata.name`).toMatch(DNS1123);
      expect(doc.spec, `${file}: spec`).toBeTypeOf('object');
    }
  });

  it('serve: Deployment probes /readyz and /healthz, Service and HPA point at it, grace covers the drain', () => {
    const [dep] = byKind('Deployment');
    const [svc] = byKind('Service');
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(dep && svc && hpa).toBeTruthy();
    const labels = dep?.spec.template.metadata.labels;
    expect(labels).toMatchObject(dep?.spec.selector.matchLabels);
    const pod = dep?.spec.template.spec;
    checkPodSpec('Deployment', pod);
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.args).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0']));
    const port = c.ports.find((p: Doc) => p.name === c.readinessProbe.httpGet.port);
    expect(port?.containerPort).toBe(Number(c.args[c.args.indexOf('--port') + 1]));
    // The drain waits for requests up to --timeout-ms; the grace period must outlast it plus preStop.
    const timeout = Number(c.args[c.args.indexOf('--timeout-ms') + 1]) / 1000;
    const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(timeout + preStop);
    expect(labels).toMatchObject(svc?.spec.selector);
    expect(svc?.spec.ports[0].targetPort).toBe(port.name);
    expect(hpa?.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: dep?.metadata.name });
    expect(hpa?.spec.minReplicas).toBeLessThanOrEqual(hpa?.spec.maxReplicas);
    expect(hpa?.spec.metrics.length).toBeGreaterThan(0);
  });

  it('embedding: an Indexed Job runs embed --shard $JOB_COMPLETION_INDEX/N with N = completions, then a merge Job', () => {
    const jobs = byKind('Job');
    const indexed = jobs.find((j) => j.spec.completionMode === 'Indexed');
    const merge = jobs.find((j) => j.spec.template.spec.containers[0].args?.includes('merge-shards'));
    expect(indexed && merge).toBeTruthy();
    checkPodSpec('Indexed Job', indexed?.spec.template.spec);
    checkPodSpec('merge Job', merge?.spec.template.spec);
    expect(['Never', 'OnFailure']).toContain(indexed?.spec.template.spec.restartPolicy);
    const script = [...(indexed?.spec.template.spec.containers[0].command ?? []), ...(indexed?.spec.template.spec.containers[0].args ?? [])].join(' ');
    const m = /--shard "?\$\{?JOB_COMPLETION_INDEX\}?\/(\d+)"?/.exec(script);
    expect(m, script).not.toBeNull();
    expect(Number(m?.[1])).toBe(indexed?.spec.completions);
    const output = /--output (\S+)/.exec(script)?.[1];
    const mergeArgs = merge?.spec.template.spec.containers[0].args as string[];
    expect(mergeArgs[mergeArgs.indexOf('--output') + 1]).toBe(output);
  });

  const server = spawnSync('kubectl', ['version', '-o', 'json', '--request-timeout=3s'], { encoding: 'utf8' });
  const cluster = server.status === 0 && /"serverVersion"/.test(server.stdout);
  it.skipIf(!cluster)('kubectl apply --dry-run=client accepts every manifest (needs a reachable cluster)', () => {
    for (const f of readdirSync(DEPLOY).filter((x) => x.endsWith('.yaml'))) execFileSync('kubectl', ['apply', '--dry-run=client', '-f', join(DEPLOY, f)], { stdio: 'pipe' });
  });
  if (!cluster) console.log('deploy.test.ts: no reachable Kubernetes cluster for kubectl --dry-run=client; checked the manifests with the schema subset only');
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  const last = (instr: string) => lines.filter((l) => l.startsWith(`${instr} `)).at(-1) ?? '';

  it('Debian slim Node 20, non-root, HF_HOME=/data/hf, EXPOSE 8080, HEALTHCHECK on /readyz, serve on 0.0.0.0', () => {
    expect(text).toMatch(/ARG NODE_IMAGE=node:20(\.\d+)*-(bookworm|bullseye|trixie)-slim/);
    expect(last('USER')).not.toMatch(/\b(root|0)(:|$)/);
    expect(last('USER')).toMatch(/USER \S+/);
    expect(text).toMatch(/HF_HOME=\/data\/hf/);
    expect(last('EXPOSE')).toBe('EXPOSE 8080');
    expect(text).toMatch(/HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/);
    expect(JSON.parse(last('CMD').slice(4))).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0']));
    expect(JSON.parse(last('ENTRYPOINT').slice(11))).toEqual(['bertkit']);
    // Everything the build COPYs exists and is not excluded by .dockerignore.
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from'))) {
      for (const src of l.split(/\s+/).slice(1, -1)) {
        expect(readdirSync(ROOT), `COPY ${src}`).toContain(src);
        expect(ignore.split('\n'), `COPY ${src} is .dockerignored`).not.toContain(src);
      }
    }
  });

  const daemon = process.env.BERTKIT_TEST_DOCKER !== '0' && spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (!daemon) console.log('deploy.test.ts: no Docker daemon (or BERTKIT_TEST_DOCKER=0): the image is not built here');
  it.skipIf(!daemon)('docker build, then the image runs bertkit --version as a non-root user', () => {
    execFileSync('docker', ['build', '-q', '-t', 'bertkit:test', ROOT], { stdio: 'pipe', timeout: 1_500_000 });
    const version = JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')).version;
    expect(execFileSync('docker', ['run', '--rm', 'bertkit:test', '--version'], { encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'id', 'bertkit:test', '-u'], { encoding: 'utf8' }).trim()).not.toBe('0');
  }, 1_600_000);
});
