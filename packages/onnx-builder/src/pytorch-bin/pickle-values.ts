/**
 * A global the pickle may name. Only what the caller's allowlist returns exists; `call` is plain data
 * construction in TypeScript, so loading a pickle never runs Python semantics of any kind.
 */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  /** Present when the global may be called (REDUCE, NEWOBJ, OBJ, INST). */
  call?(args: readonly unknown[]): unknown;
}

/** Python dict / OrderedDict: insertion-ordered; BUILD state (e.g. a state dict's `_metadata`) kept aside. */
export class PyDict extends Map<unknown, unknown> {
  attributes: unknown = undefined;
}

export function isGlobal(value: unknown): value is PickleGlobal {
  return typeof value === 'object' && value !== null && typeof (value as PickleGlobal).module === 'string' && typeof (value as PickleGlobal).name === 'string';
}

export function describe(value: unknown): string {
  if (isGlobal(value)) return `global ${value.module}.${value.name}`;
  if (value === null) return 'None';
  if (Array.isArray(value)) return Object.isFrozen(value) ? `tuple of ${value.length}` : `list of ${value.length}`;
  if (value instanceof PyDict) return 'dict';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
