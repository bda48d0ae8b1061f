import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EncoderSpec, TrainTask } from '@bertkit/finetune';
import { parameterShapes } from '@bertkit/finetune';
import { SeededRandom, convertCheckpoint, writeSafetensors } from '@bertkit/onnx-builder';

/** The small model: BERT, 4 layers, hidden 256 (4 heads, ffn 1024), the bert-base-uncased vocabulary. */
export function smallBert(quick: boolean): EncoderSpec {
  return {
    modelType: 'bert', vocabSize: 30522, hidden: quick ? 64 : 256, layers: quick ? 2 : 4, heads: 4, intermediate: quick ? 256 : 1024,
    maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1, classifierDropout: 0.1,
  };
}

/** transformers' _init_weights for BERT: normal(0, 0.02) matrices, padding row 0 of the word table zero, zero biases, LayerNorm weight 1. */
export function randomParameters(spec: EncoderSpec, task: TrainTask, seed: number): Map<string, Float32Array> {
  const rng = new SeededRandom(seed);
  const out = new Map<string, Float32Array>();
  for (const p of parameterShapes(spec, task)) {
    const v = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    if (p.shape.length > 1) rng.fillNormal(v, 0.02);
    else if (/LayerNorm\.weight$/.test(p.name)) v.fill(1);
    if (p.name.endsWith('word_embeddings.weight')) v.fill(0, 0, spec.hidden);
    out.set(p.name, v);
  }
  return out;
}

/** Writes the encoder part of `params` as a Hugging Face BertModel directory with its ONNX graph, for Encoder.load. */
export function writeEncoderDir(dir: string, spec: EncoderSpec, params: ReadonlyMap<string, Float32Array>, tokenizerDir: string): string {
  mkdirSync(dir, { recursive: true });
  const config = {
    architectures: ['BertModel'], model_type: 'bert', vocab_size: spec.vocabSize, hidden_size: spec.hidden, num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads, intermediate_size: spec.intermediate, max_position_embeddings: spec.maxPositions, type_vocab_size: spec.typeVocabSize,
    layer_norm_eps: spec.layerNormEps, hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, pad_token_id: 0,
  };
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const tensors = [...params].filter(([name]) => name.startsWith('bert.') && !name.startsWith('bert.pooler.')).map(([name, data]) => ({ name, data, shape: shapeOf(spec, name) }));
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt']) if (existsSync(join(tokenizerDir, f))) copyFileSync(join(tokenizerDir, f), join(dir, f));
  convertCheckpoint(dir, { task: 'base' });
  return dir;
}

function shapeOf(spec: EncoderSpec, name: string): number[] {
  const found = parameterShapes(spec, 'masked-lm').find((p) => p.name === name);
  if (!found) throw new Error(`no shape for ${name}`);
  return found.shape;
}
