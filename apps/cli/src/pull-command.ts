import { flag, oneOf, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { type ModelUse, pull } from './hub.js';
import { formatBytes } from './progress.js';

export const PULL_USAGE = `bertkit pull <org/name> [--revision <branch | tag | commit | refs/pr/N>] [--quantized] [--token <t>] [--use embed|task]
  Downloads config.json, the tokenizer files and onnx/model.onnx of a Hugging Face repository into the
  Hugging Face cache that Python's huggingface_hub shares (HF_HUB_CACHE, default $HF_HOME/hub, default
  ~/.cache/huggingface/hub). A repository whose ONNX graph lacks the outputs the use needs (--use embed:
  last_hidden_state, the default; task: logits), or that has no graph, has its model.safetensors (or
  pytorch_model.bin) downloaded and converted into ~/.cache/bertkit/derived (BERTKIT_CACHE), never into the
  Hugging Face cache. --quantized also fetches (or makes) onnx/model_quantized.onnx. Afterwards --model
  <org/name>[@revision] works in every command, offline too (HF_HUB_OFFLINE=1), for models Python downloaded
  as well. HF_ENDPOINT selects a mirror; HF_TOKEN, the token file of huggingface-cli login
  (HF_TOKEN_PATH, $HF_HOME/token) or --token a private or gated model. Failed requests (429, 5xx, dropped
  connections) are retried with backoff; partial files resume; sizes and sha256 sums are checked. A server
  that does not answer within 20 s, or a download with no data for 60 s (BERTKIT_HUB_STALL_MS), is retried,
  then given up with a message; the next pull resumes.`;

export async function pullCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { revision: { type: 'string' }, quantized: { type: 'boolean' }, token: { type: 'string' }, use: { type: 'string' } }, PULL_USAGE);
  if (!p) return;
  const id = p.positionals[0];
  if (!id) throw new CliError('E_USAGE', 'give a repository id, e.g. bertkit pull distilbert/distilbert-base-uncased');
  const token = str(p, 'token');
  const revision = str(p, 'revision');
  const use = oneOf<ModelUse>(p, 'use', ['embed', 'task'], 'embed');
  const r = await pull(id, { quantized: flag(p, 'quantized'), use, ...(token ? { token } : {}), ...(revision ? { revision } : {}) });
  if (flag(p, 'json')) return void console.log(JSON.stringify(r));
  for (const n of r.notes) console.error(`note: ${n}`);
  for (const f of r.files) console.log(`${f.status.padEnd(10)} ${f.file} (${formatBytes(f.bytes)}${f.sha256 && f.status !== 'cached' ? ', sha256 verified' : ''})`);
  console.log(`${id}@${r.revision} (${r.commit.slice(0, 12)}) is in ${r.dir}; use --model ${id}${r.revision === 'main' ? '' : `@${r.revision}`}`);
}
