import { TokenizerError, describe } from '../errors.js';
import type { PaddingParams } from './padding.js';
import type { Direction, TruncationParams, TruncationStrategy } from './truncation.js';

export interface TruncationOptions {
  /** Default 'longest_first'. */
  strategy?: TruncationStrategy;
  /** Total length including special tokens. Default: the tokenizer's setting, else model_max_length. */
  maxLength?: number;
  /** Tokens shared by consecutive overflow windows. Default 0. */
  stride?: number;
  /** Which end is cut. Default 'right'. */
  direction?: Direction;
}

export interface PaddingOptions {
  /** 'longest' (in the batch) or 'max_length'. Default 'longest'. */
  strategy?: 'longest' | 'max_length';
  /** For 'max_length'. Default: `maxLength` of the call, else model_max_length. */
  maxLength?: number;
  padToMultipleOf?: number;
  /** Default 'right'. */
  direction?: Direction;
  padId?: number;
  padTypeId?: number;
  padToken?: string;
}

export interface EncodeOptions {
  /** Add [CLS]/[SEP] (the post-processor's template). Default true. */
  addSpecialTokens?: boolean;
  /**
   * true: 'longest_first' at `maxLength`; false: off; an object: as described. Omitted: what the
   * tokenizer.json says (off for vocab.txt).
   */
  truncation?: boolean | TruncationOptions;
  /** true or 'longest': to the longest; 'max_length'; false: off. Omitted: what the tokenizer.json says. */
  padding?: boolean | 'longest' | 'max_length' | PaddingOptions;
  /** Shorthand for truncation and padding max length. */
  maxLength?: number;
  /** Shorthand for the truncation stride. */
  stride?: number;
  /** Shorthand for padding's pad_to_multiple_of. */
  padToMultipleOf?: number;
}

export interface ResolvedOptions {
  addSpecialTokens: boolean;
  truncation: TruncationParams | null;
  padding: PaddingParams | null;
}

export interface TokenizerDefaults {
  truncation: TruncationParams | null;
  padding: PaddingParams | null;
  modelMaxLength: number | undefined;
  padId: number;
  padToken: string;
}

const STRATEGIES: readonly TruncationStrategy[] = ['longest_first', 'only_first', 'only_second'];
const DIRECTIONS: readonly Direction[] = ['right', 'left'];

function invalid(name: string, expected: string, value: unknown): TokenizerError {
  return new TokenizerError('E_INVALID_OPTION', `option ${name} must be ${expected}, got ${describe(value)}`);
}

function count(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(name, `an integer >= ${min}`, value);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw invalid(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}

export function resolveOptions(options: EncodeOptions | undefined, defaults: TokenizerDefaults): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalid('options', 'an object', options);
  const o = options ?? {};
  if (o.addSpecialTokens !== undefined && typeof o.addSpecialTokens !== 'boolean') {
    throw invalid('addSpecialTokens', 'a boolean', o.addSpecialTokens);
  }
  const maxLength = count('maxLength', o.maxLength, 0);
  const stride = count('stride', o.stride, 0);
  const padToMultipleOf = count('padToMultipleOf', o.padToMultipleOf, 0);
  return {
    addSpecialTokens: o.addSpecialTokens ?? true,
    truncation: resolveTruncation(o.truncation, maxLength, stride, defaults),
    padding: resolvePadding(o.padding, maxLength, padToMultipleOf, defaults),
  };
}

function resolveTruncation(
  value: EncodeOptions['truncation'],
  maxLength: number | undefined,
  stride: number | undefined,
  defaults: TokenizerDefaults,
): TruncationParams | null {
  if (value === false) return null;
  const base = defaults.truncation;
  if (value === undefined && maxLength === undefined) {
    // A stride alone does not switch truncation on; a maxLength does, as in transformers.
    if (base === null || stride === undefined) return base;
    return { ...base, stride };
  }
  if (value !== undefined && value !== true && (value === null || typeof value !== 'object')) {
    throw invalid('truncation', 'a boolean or an object', value);
  }
  const t = typeof value === 'object' ? value : {};
  const length = count('truncation.maxLength', t.maxLength, 0) ?? maxLength ?? base?.maxLength ?? defaults.modelMaxLength;
  if (length === undefined) {
    throw new TokenizerError(
      'E_INVALID_OPTION',
      'truncation needs a maxLength: this tokenizer has no model_max_length (pass { maxLength })',
    );
  }
  return {
    maxLength: length,
    strategy: oneOf('truncation.strategy', t.strategy, STRATEGIES) ?? base?.strategy ?? 'longest_first',
    stride: count('truncation.stride', t.stride, 0) ?? stride ?? base?.stride ?? 0,
    direction: oneOf('truncation.direction', t.direction, DIRECTIONS) ?? base?.direction ?? 'right',
  };
}

function resolvePadding(
  value: EncodeOptions['padding'],
  maxLength: number | undefined,
  padToMultipleOf: number | undefined,
  defaults: TokenizerDefaults,
): PaddingParams | null {
  if (value === false) return null;
  const base = defaults.padding;
  if (value === undefined) {
    if (base === null || padToMultipleOf === undefined) return base;
    return { ...base, padToMultipleOf };
  }
  let p: PaddingOptions;
  if (value === true || value === 'longest') p = { strategy: 'longest' };
  else if (value === 'max_length') p = { strategy: 'max_length' };
  else if (value !== null && typeof value === 'object') p = value;
  else throw invalid('padding', "a boolean, 'longest', 'max_length' or an object", value);
  const strategy = oneOf('padding.strategy', p.strategy, ['longest', 'max_length'] as const) ?? 'longest';
  const length = count('padding.maxLength', p.maxLength, 1) ?? maxLength ?? (strategy === 'max_length' ? (base?.maxLength ?? defaults.modelMaxLength) : undefined);
  if (strategy === 'max_length' && length === undefined) {
    throw new TokenizerError('E_INVALID_OPTION', "padding 'max_length' needs a maxLength: this tokenizer has no model_max_length");
  }
  if (p.padToken !== undefined && typeof p.padToken !== 'string') throw invalid('padding.padToken', 'a string', p.padToken);
  return {
    strategy,
    maxLength: length,
    padToMultipleOf: count('padding.padToMultipleOf', p.padToMultipleOf, 0) ?? padToMultipleOf ?? base?.padToMultipleOf,
    direction: oneOf('padding.direction', p.direction, DIRECTIONS) ?? base?.direction ?? 'right',
    padId: count('padding.padId', p.padId, 0) ?? base?.padId ?? defaults.padId,
    padTypeId: count('padding.padTypeId', p.padTypeId, 0) ?? base?.padTypeId ?? 0,
    padToken: p.padToken ?? base?.padToken ?? defaults.padToken,
  };
}
