import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Encoder, resolveModelFiles } from '@bertkit/encoder';
import { LogisticRegression, SpanHead, TokenClassifier } from '@bertkit/heads';
import { CliError } from './cli-error.js';
import { resolveModel } from './model-ref.js';
import { type FeatureSpec, type Task, featureCache } from './tasks.js';

export const BUNDLE_FORMAT = 'bertkit-bundle';
export const BUNDLE_VERSION = 1;

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  task: Task;
  head: 'logistic-regression' | 'token-classifier' | 'span-head';
  model: { ref: string; path: string; onnx: string; sha256: string; quantized: boolean; maxLength: number };
  features: FeatureSpec & { layers?: number[]; stride?: number };
  labels: string[];
  /** Whether the head was trained on text pairs (predict then reads TAB-separated pairs). */
  pairs: boolean;
  metrics: Record<string, unknown>;
  data: { file: string; sha256: string; rows: number };
  created: string;
}

export type Head = LogisticRegression | TokenClassifier | SpanHead;

/** The model part of a manifest: where the graph is and its sha-256, checked again when the bundle loads. */
export function modelRecord(ref: string, path: string, quantized: boolean, maxLength: number): BundleManifest['model'] {
  const onnx = resolveModelFiles(path, { quantized }).onnx;
  return { ref, path, onnx, sha256: featureCache().fileDigest(onnx), quantized, maxLength };
}

export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  head: Head;
}

/** Writes bundle.json and head.json into `dir` (through a temporary directory, so a failed save leaves no half bundle). */
export function saveBundle(dir: string, manifest: BundleManifest, head: Head): void {
  const temp = `${dir.replace(/\/+$/, '')}.partial-${process.pid}`;
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    writeFileSync(join(temp, 'head.json'), JSON.stringify(head.toJSON()));
    writeFileSync(join(temp, 'bundle.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    mkdirSync(dirname(resolve(dir)), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
  } catch (cause) {
    rmSync(temp, { recursive: true, force: true });
    throw new CliError('E_OUTPUT', `cannot write the bundle ${dir}: ${(cause as Error).message}`);
  }
}

export function loadBundle(dir: string): Bundle {
  const file = join(dir, 'bundle.json');
  if (!existsSync(file)) throw new CliError('E_BUNDLE', `${dir} is not a bundle: no bundle.json (make one with "bertkit train --out ${dir}")`);
  let manifest: BundleManifest;
  let saved: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
    saved = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8'));
  } catch (cause) {
    throw new CliError('E_BUNDLE', `${dir}: damaged bundle (${(cause as Error).message})`);
  }
  if (manifest?.format !== BUNDLE_FORMAT) throw new CliError('E_BUNDLE', `${file}: not a bertkit bundle (format ${JSON.stringify(manifest?.format)})`);
  if (manifest.version !== BUNDLE_VERSION) {
    throw new CliError('E_BUNDLE', `${file}: bundle format version ${JSON.stringify(manifest.version)}, this bertkit reads version ${BUNDLE_VERSION}; retrain it with this version`);
  }
  let head: Head;
  try {
    head = manifest.head === 'token-classifier' ? TokenClassifier.fromJSON(saved) : manifest.head === 'span-head' ? SpanHead.fromJSON(saved) : LogisticRegression.fromJSON(saved);
  } catch (cause) {
    throw new CliError('E_BUNDLE', `${join(dir, 'head.json')}: ${(cause as Error).message}`);
  }
  return { dir, manifest, head };
}

/**
 * The bundle's encoder: its recorded path, else its model reference resolved again (a Hub id pulled on
 * this machine). The graph's sha256 must match what the head was trained on: another model's features
 * would give confident nonsense.
 */
export async function bundleEncoder(bundle: Bundle, override?: string, options: { quantized?: boolean } = {}): Promise<Encoder> {
  const m = bundle.manifest.model;
  // --quantized on a bundle trained on fp32 features: the fp32 graph is checked, its int8 sibling run
  // (features within cosine 0.999 of fp32, see @bertkit/onnx-builder's quantization tests).
  const path = override ? resolveModel(override) : existsSync(m.path) ? m.path : resolveModel(m.ref);
  const files = resolveModelFiles(path, { quantized: m.quantized });
  const digest = featureCache().fileDigest(files.onnx);
  if (digest !== m.sha256) {
    throw new CliError('E_BUNDLE', `${files.onnx} is not the model this bundle was trained with (sha256 ${digest.slice(0, 12)}..., bundle expects ${m.sha256.slice(0, 12)}...)`);
  }
  return Encoder.load(path, { quantized: m.quantized || options.quantized === true, maxLength: m.maxLength });
}
