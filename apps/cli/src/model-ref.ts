import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Encoder, type LoadOptions } from '@bertkit/encoder';
import { CliError } from './cli-error.js';
import { HUB_ID, type ModelUse, cachedModel } from './hub.js';
import { findShared } from '@bertkit/shared-data';

/**
 * What a --model argument names: a model directory, an .onnx file, or a Hub id in the Hugging Face cache
 * (`org/name` or `org/name@revision`; pulled by bertkit or downloaded by Python), resolved to a local path
 * without the network. `use` says which graph outputs are needed (embed: last_hidden_state).
 */
export function resolveModel(arg: string, use: ModelUse = 'embed'): string {
  if (existsSync(arg)) {
    const s = statSync(arg);
    if (s.isDirectory() && !existsSync(join(arg, 'config.json'))) {
      throw new CliError('E_MODEL', `${arg} is not a model directory: it has no config.json (expected config.json, tokenizer files and onnx/model.onnx)`);
    }
    if (s.isFile() && !arg.endsWith('.onnx')) throw new CliError('E_MODEL', `${arg} is not a model: give a model directory, an .onnx file or a Hub id`);
    return resolve(arg);
  }
  const [id, revision] = arg.split('@') as [string, string | undefined];
  if (HUB_ID.test(id) && !arg.startsWith('.') && !arg.startsWith('/')) {
    const dir = cachedModel(id, revision ?? 'main', use);
    if (dir) return dir;
    throw new CliError(
      'E_MODEL',
      `model "${arg}" is not a local path and has not been pulled (not in the Hugging Face cache); run "bertkit pull ${id}${revision ? ` --revision ${revision}` : ''}" or pass a model directory`,
    );
  }
  throw new CliError('E_MODEL', `${arg}: no such model directory or .onnx file`);
}

/** The random-weight stand-in shipped in ../shared, for runs without a pretrained model. */
export function standInModel(): string | null {
  const shared = findShared();
  const dir = shared && join(shared, 'models', 'tiny-random-distilbert');
  return dir && existsSync(join(dir, 'config.json')) ? dir : null;
}

export async function loadEncoder(arg: string, options: LoadOptions = {}): Promise<{ encoder: Encoder; path: string }> {
  const path = resolveModel(arg);
  return { encoder: await Encoder.load(path, options), path };
}
