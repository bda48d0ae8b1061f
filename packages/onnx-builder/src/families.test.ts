// Beyond BERT (issue 14): RoBERTa (and XLM-R / CamemBERT), ALBERT and ELECTRA checkpoints, with or without
// their key prefix, match the independent PyTorch reference at every layer, read the way @bertkit/encoder
// reads layers; their task heads compute what transformers' heads compute from the same last hidden state.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, maxAbsDiff, protoFields } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { MAX_LENGTH_METADATA, SafetensorsFile, convertCheckpoint } from './index.js';
import { checkpointCopy, linearRows } from './testing/checkpoint-copy.js';
import { erf } from './testing/erf.js';
import { maxDiff, reference, referenceDiffs } from './testing/parity.js';
import { runGraph } from './testing/run-graph.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-families-'));

function setConfig(dir: string, change: Record<string, unknown>): void {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...change }));
}

async function expectParity(onnx: string, model: string, outputs: string[] = []): Promise<void> {
  const diffs = await referenceDiffs(onnx, model, 2, outputs);
  expect(Object.keys(diffs)).toHaveLength(3 + outputs.length);
  for (const [name, diff] of Object.entries(diffs)) expect(diff, name).toBeLessThan(1e-5);
}

describe.each([
  ['roberta-tiny', 'roberta.', 'roberta', 'base', 5, []],
  ['albert-tiny', 'albert.', 'albert', 'base', 5, ['pooler_output']],
  ['electra-tiny', 'electra.', 'electra', 'replaced-token-detection', 0, ['logits']],
] as const)('%s', (model, prefix, arch, task, ignored, outputs) => {
  it('every layer and output within 1e-5 of the PyTorch reference, as shipped and without the key prefix', async () => {
    const shipped = checkpointCopy(model, join(tmp, `${model}-shipped`));
    const report = convertCheckpoint(shipped);
    expect([report.arch, report.prefix, report.task]).toEqual([arch, prefix, task]);
    // MLM heads (lm_head, predictions) are reported, not converted; ELECTRA's discriminator is its logits.
    expect(report.ignored).toHaveLength(ignored);
    await expectParity(report.onnx, model, [...outputs]);
    // The bare base model (head tensors dropped with the prefix): the encoder alone, pooler kept.
    const bare = checkpointCopy(model, join(tmp, `${model}-bare`), (k) => (k.startsWith(prefix) ? k.slice(prefix.length) : null));
    const unprefixed = convertCheckpoint(bare, { task: 'base' });
    expect(unprefixed.prefix).toBe('');
    await expectParity(unprefixed.onnx, model, outputs.filter((o) => o !== 'logits'));
  });
});

describe.each(['roberta-tiny', 'albert-tiny', 'electra-tiny'])('%s through @bertkit/encoder', (model) => {
  it('Encoder.load reads every layer of the converted graph within 1e-5 of the reference, with the [CLS] shortcut', async () => {
    const report = convertCheckpoint(checkpointCopy(model, join(tmp, `${model}-encoder`)));
    const encoder = await Encoder.load(report.dir);
    expect(encoder.maxLength).toBe(512);
    for (const batch of reference(model)) {
      const states = await encoder.forward({
        inputIds: Int32Array.from(batch.input_ids.flat()),
        attentionMask: Int32Array.from(batch.attention_mask.flat()),
        tokenTypeIds: Int32Array.from(batch.token_type_ids.flat()),
        rows: batch.input_ids.length,
        length: batch.input_ids[0]!.length,
      });
      expect(states).toHaveLength(3);
      states.forEach((state, layer) => expect(maxAbsDiff(state, (batch.hidden_states[layer] as number[][][]).flat(2))).toBeLessThan(1e-5));
    }
    expect(await encoder.usesClsShortcut()).toBe(true);
    await encoder.release();
  });
});

describe('RoBERTa family', () => {
  it('xlm-roberta and camembert are the same graph; max length is max_position_embeddings - pad - 1, in the graph metadata', async () => {
    for (const type of ['xlm-roberta', 'camembert']) {
      const dir = checkpointCopy('roberta-tiny', join(tmp, type));
      setConfig(dir, { model_type: type });
      const report = convertCheckpoint(dir);
      expect(report.arch).toBe(type);
      expect(report.maxLength).toBe(512);
      await expectParity(report.onnx, 'roberta-tiny');
      const bytes = readFileSync(report.onnx);
      const metadata = [...protoFields(bytes)]
        .filter((f) => f.field === 14)
        .map((f) => [...protoFields(bytes, f.start, f.end)].map((g) => new TextDecoder().decode(bytes.subarray(g.start, g.end))));
      expect(metadata).toContainEqual([MAX_LENGTH_METADATA, '512']);
    }
  });

  it('pad positions keep padding_idx and real tokens count from padding_idx + 1 wherever the padding is', async () => {
    // Left padding would shift every position under a plain range; the reference batches pad on the right.
    const report = convertCheckpoint(checkpointCopy('roberta-tiny', join(tmp, 'roberta-left-pad')), { hiddenStates: true });
    const batch = reference('roberta-tiny').find((b) => b.attention_mask.some((row) => row.includes(0)))!;
    const r = batch.attention_mask.findIndex((row) => row.includes(0));
    const ids = batch.input_ids[r]!;
    const real = batch.attention_mask[r]!.filter((m) => m === 1).length;
    const left = [...ids.slice(real).map(() => 1), ...ids.slice(0, real)];
    const mask = [...ids.slice(real).map(() => 0), ...ids.slice(0, real).map(() => 1)];
    const out = await runGraph(report.onnx, { input_ids: [ids, left], attention_mask: [batch.attention_mask[r]!, mask] }, ['last_hidden_state']);
    const H = 32;
    const n = ids.length;
    const right = out.last_hidden_state!.subarray(0, real * H);
    const shifted = out.last_hidden_state!.subarray(n * H + (n - real) * H, 2 * n * H);
    expect(maxDiff(shifted, Array.from(right))).toBeLessThan(1e-5);
  });
});

type Head = 'sequence-tanh' | 'sequence-gelu' | 'pooler-classifier' | 'token' | 'qa';

/** What transformers' head computes from last_hidden_state [rows, length, H], written out in float64. */
function expectedHead(kind: Head, h: Float32Array, rows: number, length: number, read: (n: string) => Float32Array, base: string, labels: number): Float64Array {
  const H = 32;
  const first = Float64Array.from({ length: rows * H }, (_, i) => h[Math.floor(i / H) * length * H + (i % H)] as number);
  const gelu = (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2));
  if (kind === 'token' || kind === 'qa') return linearRows(h, rows * length, read(`${kind === 'qa' ? 'qa_outputs' : 'classifier'}.weight`), read(`${kind === 'qa' ? 'qa_outputs' : 'classifier'}.bias`), labels, H);
  const [dense, out, act] =
    kind === 'pooler-classifier' ? [base === 'albert.' ? 'albert.pooler' : `${base}pooler.dense`, 'classifier', Math.tanh] : kind === 'sequence-tanh' ? ['classifier.dense', 'classifier.out_proj', Math.tanh] : ['classifier.dense', 'classifier.out_proj', gelu];
  const pooled = linearRows(first, rows, read(`${dense}.weight`), read(`${dense}.bias`), H, H).map(act);
  return linearRows(pooled, rows, read(`${out}.weight`), read(`${out}.bias`), labels, H);
}

describe.each([
  ['roberta-tiny', 'RobertaForSequenceClassification', 'sequence-tanh', { 'classifier.dense.weight': [32, 32], 'classifier.dense.bias': [32], 'classifier.out_proj.weight': [3, 32], 'classifier.out_proj.bias': [3] }, 3],
  ['electra-tiny', 'ElectraForSequenceClassification', 'sequence-gelu', { 'classifier.dense.weight': [32, 32], 'classifier.dense.bias': [32], 'classifier.out_proj.weight': [2, 32], 'classifier.out_proj.bias': [2] }, 2],
  ['albert-tiny', 'AlbertForSequenceClassification', 'pooler-classifier', { 'classifier.weight': [4, 32], 'classifier.bias': [4] }, 4],
  ['legacy-bert', 'BertForSequenceClassification', 'pooler-classifier', { 'classifier.weight': [2, 32], 'classifier.bias': [2] }, 2],
  ['roberta-tiny', 'RobertaForTokenClassification', 'token', { 'classifier.weight': [5, 32], 'classifier.bias': [5] }, 5],
  ['electra-tiny', 'ElectraForQuestionAnswering', 'qa', { 'qa_outputs.weight': [2, 32], 'qa_outputs.bias': [2] }, 2],
] as const)('%s as %s', (model, architecture, kind, extra, labels) => {
  it('the head matches transformers\' head applied to the graph\'s own last_hidden_state', async () => {
    const dir = checkpointCopy(model, join(tmp, `${model}-${architecture}`), (k) => k, extra as unknown as Record<string, number[]>);
    setConfig(dir, { architectures: [architecture] });
    const report = convertCheckpoint(dir);
    expect(report.labels).toBe(labels);
    const batch = reference(model)[0]!;
    const outputs = kind === 'qa' ? ['start_logits', 'end_logits'] : ['logits'];
    const run = await runGraph(report.onnx, batch, ['last_hidden_state', ...outputs]);
    const rows = batch.input_ids.length;
    const length = batch.input_ids[0]!.length;
    const weights = SafetensorsFile.open(join(dir, 'model.safetensors'));
    const expected = expectedHead(kind, run.last_hidden_state!, rows, length, (n) => weights.read(n), model.startsWith('legacy-bert') ? 'bert.' : `${model.split('-')[0]}.`, labels);
    weights.close();
    if (kind === 'qa') {
      const column = (c: number) => Array.from({ length: rows * length }, (_, i) => expected[i * 2 + c] as number);
      expect(maxDiff(run.start_logits!, column(0))).toBeLessThan(1e-5);
      expect(maxDiff(run.end_logits!, column(1))).toBeLessThan(1e-5);
    } else {
      expect(maxDiff(run.logits!, Array.from(expected))).toBeLessThan(1e-5);
    }
  });
});
