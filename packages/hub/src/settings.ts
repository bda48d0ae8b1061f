import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** Where huggingface_hub reads its settings from, resolved the way it resolves them (constants.py, _auth.py). */
export interface HubSettings {
  endpoint: string;
  /** HF_HOME, default $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface. */
  home: string;
  /** HF_HUB_CACHE (or the legacy HUGGINGFACE_HUB_CACHE), default $HF_HOME/hub. */
  cacheDir: string;
  /** HF_TOKEN_PATH, default $HF_HOME/token (what `huggingface-cli login` writes). */
  tokenPath: string;
  token: string | undefined;
  /** Where the token came from, for messages; never the token itself. */
  tokenSource: 'HF_TOKEN' | 'HUGGING_FACE_HUB_TOKEN' | 'token file' | undefined;
  /** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is 1/ON/YES/TRUE. */
  offline: boolean;
}

const expand = (p: string) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);
const isTrue = (v: string | undefined) => v !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(v.toUpperCase());
/** As huggingface_hub's _clean_token: line breaks removed, blank means none. */
const clean = (t: string | undefined) => t?.replace(/[\r\n]/g, '').trim() || undefined;

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const home = expand(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface'));
  const cacheDir = expand(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(home, 'hub'));
  const tokenPath = expand(env.HF_TOKEN_PATH || join(home, 'token'));
  let token = clean(env.HF_TOKEN);
  let tokenSource: HubSettings['tokenSource'] = token ? 'HF_TOKEN' : undefined;
  if (!token && (token = clean(env.HUGGING_FACE_HUB_TOKEN))) tokenSource = 'HUGGING_FACE_HUB_TOKEN';
  if (!token) {
    try {
      token = clean(readFileSync(tokenPath, 'utf8'));
      if (token) tokenSource = 'token file';
    } catch {
      // No login: anonymous access, as huggingface_hub.
    }
  }
  return {
    endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    home,
    cacheDir,
    tokenPath,
    token,
    tokenSource,
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
  };
}
