import type { Direction } from './truncation.js';

export interface PaddingParams {
  /** 'longest' pads to the longest in the batch; 'max_length' to `maxLength`. */
  strategy: 'longest' | 'max_length';
  maxLength: number | undefined;
  padToMultipleOf: number | undefined;
  direction: Direction;
  padId: number;
  padTypeId: number;
  padToken: string;
}

/** The length every encoding of a batch is padded to (never shorter than an encoding). */
export function paddedLength(params: PaddingParams, longest: number): number {
  let length = params.strategy === 'max_length' && params.maxLength !== undefined ? params.maxLength : longest;
  const multiple = params.padToMultipleOf;
  if (multiple !== undefined && multiple > 0 && length % multiple > 0) length += multiple - (length % multiple);
  return length;
}
