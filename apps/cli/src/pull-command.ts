import { flag, parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { pull } from './hub.js';
import { formatBytes } from './progress.js';

export const PULL_USAGE = `bertkit pull <org/name> [--revision <branch | tag | commit>] [--quantized] [--token <t>]
  Downloads config.json, the tokenizer files and onnx/model.onnx of a Hugging Face repository into the
  cache (BERTKIT_CACHE, default ~/.cache/bertkit); a repository without an ONNX export has its
  model.safetensors downloaded and converted here. --quantized also fetches (or makes)
  onnx/model_quantized.onnx. Afterwards --model <org/name> works in every command. Partial downloads
  resume; sizes and sha256 sums are checked. HF_ENDPOINT selects a mirror; HF_TOKEN (or --token) a gated model.
  A server that does not answer within 20 s, or a download with no data for 60 s (BERTKIT_HUB_STALL_MS),
  is given up with a message; the next pull resumes.`;

export async function pullCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { revision: { type: 'string' }, quantized: { type: 'boolean' }, token: { type: 'string' } }, PULL_USAGE);
  if (!p) return;
  const id = p.positionals[0];
  if (!id) throw new CliError('E_USAGE', 'give a repository id, e.g. bertkit pull distilbert/distilbert-base-uncased');
  const token = str(p, 'token');
  const revision = str(p, 'revision');
  const r = await pull(id, { quantized: flag(p, 'quantized'), ...(token ? { token } : {}), ...(revision ? { revision } : {}) });
  if (flag(p, 'json')) return void console.log(JSON.stringify(r));
  for (const f of r.files) console.log(`${f.status.padEnd(10)} ${f.file} (${formatBytes(f.bytes)}${f.sha256 && f.status !== 'cached' ? ', sha256 verified' : ''})`);
  console.log(`${id}@${r.revision} (${r.commit.slice(0, 12)}) is in ${r.dir}; use --model ${id}`);
}
