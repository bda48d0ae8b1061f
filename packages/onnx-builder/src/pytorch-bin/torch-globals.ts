import type { SafetensorsDtype } from '../safetensors.js';
import type { PickleGlobal } from './pickle-values.js';
import { PyDict, describe, isGlobal } from './pickle-values.js';

/** A storage named by a persistent id: the zip entry `<top>/data/<key>` holding `numel` elements. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: SafetensorsDtype;
  readonly numel: number;
  readonly location: string;
}

/** What `_rebuild_tensor_v2` describes: a strided view into a storage, all counts in elements. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** Legacy storage classes: torch.save still names storages by them (TypedStorage._pickle_storage_type). */
const STORAGE_DTYPES = new Map<string, SafetensorsDtype>(Object.entries({
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
}) as Array<[string, SafetensorsDtype]>);

/** dtype objects (torch.float32, ...), accepted where a storage type is expected. */
const TORCH_DTYPES = new Map<string, SafetensorsDtype>(Object.entries({
  float32: 'F32',
  float: 'F32',
  float16: 'F16',
  half: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  double: 'F64',
  int64: 'I64',
  long: 'I64',
  int32: 'I32',
  int: 'I32',
  int16: 'I16',
  short: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
}) as Array<[string, SafetensorsDtype]>);

interface TypeTag extends PickleGlobal {
  readonly dtype: SafetensorsDtype;
}

export function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && (value as TensorRef).kind === 'tensor';
}

/**
 * The allowlist: exactly the globals a state dict written by torch.save needs. Everything else
 * (os.system, builtins.eval, subprocess.Popen, tensor subclasses, sparse layouts, ...) is refused.
 */
export function resolveTorchGlobal(module: string, name: string): PickleGlobal | undefined {
  const fn = (call: (args: readonly unknown[]) => unknown): PickleGlobal => ({ module, name, call });
  if (module === 'collections' && name === 'OrderedDict') return fn(orderedDict);
  if (module === 'torch._utils') {
    if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor') return fn(rebuildTensor);
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') return fn(rebuildParameter);
  }
  if (module === 'torch._tensor' && name === '_rebuild_from_type_v2') return fn(rebuildFromType);
  if ((module === 'torch' && name === 'Tensor') || (module === 'torch.nn.parameter' && name === 'Parameter')) return { module, name };
  if (module === 'torch') {
    // Maps, not objects: `torch.constructor` must not find Object.prototype.constructor.
    const dtype = STORAGE_DTYPES.get(name) ?? TORCH_DTYPES.get(name);
    if (dtype) return { module, name, dtype } as TypeTag;
  }
  return undefined;
}

/** torch.save's persistent id: ('storage', storage class, key, location, numel). */
export function storageFromPersistentId(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw new TypeError(`persistent id must be ('storage', type, key, location, numel), got ${describe(pid)}`);
  const [, type, key, location, numel] = pid as [unknown, unknown, unknown, unknown, unknown];
  if (!isGlobal(type) || !('dtype' in type)) throw new TypeError(`storage type must be a torch storage class, got ${describe(type)}`);
  if (typeof key !== 'string' || key === '') throw new TypeError(`storage key must be a string, got ${describe(key)}`);
  if (!isCount(numel)) throw new TypeError(`storage ${key}: element count must be a non-negative integer, got ${String(numel)}`);
  return { kind: 'storage', key, dtype: (type as TypeTag).dtype, numel, location: typeof location === 'string' ? location : String(location) };
}

function orderedDict(args: readonly unknown[]): PyDict {
  const dict = new PyDict();
  if (args.length === 0) return dict;
  // OrderedDict(iterable of pairs); `__reduce__` passes () and SETITEMS, some writers pass a list.
  if (args.length !== 1 || !Array.isArray(args[0])) throw new TypeError('OrderedDict takes no arguments or one list of pairs');
  for (const pair of args[0] as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('OrderedDict items must be (key, value) pairs');
    dict.set(pair[0], pair[1]);
  }
  return dict;
}

/** _rebuild_tensor(storage, offset, size, stride) and _rebuild_tensor_v2(..., requires_grad, hooks[, metadata]). */
function rebuildTensor(args: readonly unknown[]): TensorRef {
  if (args.length < 4 || args.length > 7) throw new TypeError(`takes 4 to 7 arguments, got ${args.length}`);
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || (storage as StorageRef).kind !== 'storage') throw new TypeError(`first argument must be a storage, got ${describe(storage)}`);
  if (!isCount(offset)) throw new TypeError(`storage offset must be a non-negative integer, got ${String(offset)}`);
  if (!Array.isArray(size) || !size.every(isCount)) throw new TypeError('size must be a tuple of non-negative integers');
  if (!Array.isArray(stride) || !stride.every(isCount) || stride.length !== size.length) throw new TypeError(`stride must be a tuple of ${size.length} non-negative integers`);
  return { kind: 'tensor', storage: storage as StorageRef, offset, shape: [...(size as number[])], stride: [...(stride as number[])] };
}

/** A Parameter is its data for reading weights; requires_grad, hooks and state are training-time. */
function rebuildParameter(args: readonly unknown[]): TensorRef {
  if (!isTensorRef(args[0])) throw new TypeError(`first argument must be a tensor, got ${describe(args[0])}`);
  return args[0];
}

/**
 * _rebuild_from_type_v2(func, type, args, state): how torch pickles a Tensor or Parameter that carries
 * Python attributes. Only plain tensor types pass; the attributes are dropped.
 */
function rebuildFromType(args: readonly unknown[]): TensorRef {
  const [func, type, inner] = args;
  if (!isGlobal(type) || (type.name !== 'Tensor' && type.name !== 'Parameter')) throw new TypeError(`tensor type must be torch.Tensor or Parameter, got ${describe(type)}`);
  if (!isGlobal(func) || !func.call || !Array.isArray(inner)) throw new TypeError('needs a rebuild function and its arguments');
  const tensor = func.call(inner);
  if (!isTensorRef(tensor)) throw new TypeError(`${func.module}.${func.name} did not rebuild a tensor`);
  return tensor;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
