// Checkpoints as they exist (issue 13): TF-era BERT with gamma/beta names and pre-training heads, the same
// weights as a pytorch_model.bin, and fine-tuned task models whose head is converted with the encoder.
// Every hidden state (found the way @bertkit/encoder finds them) and every output the PyTorch reference
// holds (logits, start/end logits, pooler_output) within 1e-5.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { ModelToolsError, SafetensorsError, convertCheckpoint } from './index.js';
import { referenceDiffs } from './testing/parity.js';
import { runGraph } from './testing/run-graph.js';
import { SHARED } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-heads-'));
const model = (name: string) => join(SHARED, 'models', name);

describe.each([
  ['legacy-bert', 'base', ['last_hidden_state', 'pooler_output'], ['pooler_output']],
  ['legacy-bert-bin', 'base', ['last_hidden_state', 'pooler_output'], ['pooler_output']],
  ['distilbert-sst2', 'sequence-classification', ['last_hidden_state', 'logits'], ['logits']],
  ['bert-ner', 'token-classification', ['last_hidden_state', 'logits'], ['logits']],
  ['distilbert-qa', 'question-answering', ['last_hidden_state', 'start_logits', 'end_logits'], ['start_logits', 'end_logits']],
] as const)('%s', (name, task, outputs, compared) => {
  it(`converts as ${task}; hidden states and ${compared.join(', ')} within 1e-5 of the PyTorch reference`, async () => {
    const report = convertCheckpoint(model(name), { output: join(tmp, name) });
    expect(report.task).toBe(task);
    expect(report.outputs).toEqual(outputs);
    const diffs = await referenceDiffs(report.onnx, name, report.shape.layers, compared);
    expect(Object.keys(diffs).sort()).toEqual([...compared, 'hidden_states.0', 'hidden_states.1', 'hidden_states.2'].sort());
    for (const [output, diff] of Object.entries(diffs)) expect(diff, output).toBeLessThan(1e-5);
  });
});

describe('legacy names and unused heads', () => {
  it('gamma/beta are read as weight/bias; MLM and NSP heads (and the bin file tied decoder) are reported, not converted', () => {
    const safetensors = convertCheckpoint(model('legacy-bert'), { output: join(tmp, 'legacy-names') });
    expect(safetensors.prefix).toBe('bert.');
    expect(safetensors.ignored.sort()).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.beta',
      'cls.predictions.transform.LayerNorm.gamma',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
      'cls.seq_relationship.bias',
      'cls.seq_relationship.weight',
    ]);
    const bin = convertCheckpoint(model('legacy-bert-bin'), { output: join(tmp, 'legacy-bin') });
    expect(bin.ignored.sort()).toEqual([...safetensors.ignored, 'cls.predictions.decoder.weight'].sort());
    // The same weights through either reader give the same graph, byte for byte.
    expect(readFileSync(bin.onnx).equals(readFileSync(safetensors.onnx))).toBe(true);
  });
});

describe('task option', () => {
  it("task: 'base' converts the encoder alone; the head's tensors are reported as unused", () => {
    const report = convertCheckpoint(model('distilbert-sst2'), { output: join(tmp, 'sst2-base'), task: 'base' });
    expect(report.outputs).toEqual(['last_hidden_state']);
    expect(report.labels).toBeNull();
    expect(report.ignored.sort()).toEqual(['classifier.bias', 'classifier.weight', 'pre_classifier.bias', 'pre_classifier.weight']);
  });

  it('without architectures in config.json, a head is recognised by its tensors (QA, DistilBERT pre_classifier)', () => {
    for (const [name, task] of [['distilbert-qa', 'question-answering'], ['distilbert-sst2', 'sequence-classification']] as const) {
      const dir = join(tmp, `${name}-no-arch`);
      cpSync(model(name), dir, { recursive: true });
      const { architectures: _, ...config } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      expect(convertCheckpoint(dir).task).toBe(task);
    }
  });

  it('a head config.json names but the checkpoint lacks fails naming the tensor; a bad task names the option', () => {
    const dir = join(tmp, 'ner-no-classifier');
    cpSync(model('legacy-bert'), dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['BertForTokenClassification'] }));
    expect(() => convertCheckpoint(dir)).toThrow(/classifier\.weight/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['BertForSequenceClassification'] }));
    expect(() => convertCheckpoint(dir)).toThrow(ModelToolsError);
    expect(() => convertCheckpoint(dir, { task: 'ranking' as never })).toThrow(/task must be/);
  });

  it('a classifier whose shape disagrees with the encoder names the tensor and both shapes', () => {
    const dir = join(tmp, 'ner-wrong-hidden');
    cpSync(model('bert-ner'), dir, { recursive: true });
    rmSync(join(dir, 'model.safetensors'));
    const bytes = readFileSync(join(model('bert-ner'), 'model.safetensors'));
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
    // [9, 32] relabelled [18, 16]: same bytes, wrong shape.
    header['classifier.weight'].shape = [18, 16];
    const json = JSON.stringify(header).padEnd(length, ' ');
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([bytes.subarray(0, 8), Buffer.from(json), bytes.subarray(8 + length)]));
    let error: unknown;
    try {
      convertCheckpoint(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).code).toBe('E_SHAPE_MISMATCH');
    expect((error as Error).message).toContain('classifier.weight is [18, 16], config.json implies [18, 32]');
  });
});

describe('a task graph serves @bertkit/encoder too', () => {
  it('the NER graph loads as an encoder: every layer, the [CLS] shortcut, and the logits beside last_hidden_state', async () => {
    const report = convertCheckpoint(model('bert-ner'), { output: join(tmp, 'ner-encoder') });
    const encoder = await Encoder.load(report.dir);
    const e = await encoder.embed(['John lives in Berlin.', 'a'], { pooling: 'layer-concat', layers: [-1, -2, -3] });
    expect(e.dim).toBe(96);
    expect(await encoder.usesClsShortcut()).toBe(true);
    await encoder.release();
    const out = await runGraph(report.onnx, { input_ids: [[101, 2198, 102]], attention_mask: [[1, 1, 1]], token_type_ids: [[0, 0, 0]] }, ['logits', 'last_hidden_state']);
    expect(out.logits).toHaveLength(3 * 9);
  });
});
