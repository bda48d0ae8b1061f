import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { EncoderError } from './errors.js';

export interface RunnerOptions {
  /** Intra-op threads. Default: every core of the machine. */
  threads?: number;
  /** Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** One padded batch, row-major (rows x length). */
export interface BatchInput {
  rows: number;
  length: number;
  ids: Int32Array;
  mask: Int32Array;
  typeIds: Int32Array;
}

type IdType = 'int64' | 'int32';

/** An onnxruntime-node session with the BERT input contract checked once at load. */
export class OnnxRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly inputTypes: ReadonlyMap<string, IdType>,
    readonly outputNames: readonly string[],
  ) {}

  static async create(model: Uint8Array, file: string, options: RunnerOptions = {}): Promise<OnnxRunner> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new EncoderError('E_INVALID_OPTION', `threads must be a positive integer, got ${threads}`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        executionProviders: ['cpu'],
      });
    } catch (cause) {
      throw new EncoderError('E_BAD_ONNX', `${file}: onnxruntime cannot load the model: ${(cause as Error).message}`, { file, cause });
    }
    const inputTypes = new Map<string, IdType>();
    for (const meta of session.inputMetadata) {
      const type = meta.isTensor ? meta.type : 'not a tensor';
      if (meta.name !== 'input_ids' && meta.name !== 'attention_mask' && meta.name !== 'token_type_ids') {
        throw new EncoderError(
          'E_BAD_INPUTS',
          `${file}: graph input "${meta.name}" is not one a BERT encoder takes (input_ids, attention_mask, token_type_ids)`,
          { file },
        );
      }
      if (type !== 'int64' && type !== 'int32') {
        throw new EncoderError('E_BAD_INPUTS', `${file}: graph input "${meta.name}" must be int64 or int32, it is ${type}`, { file });
      }
      inputTypes.set(meta.name, type);
    }
    for (const required of ['input_ids', 'attention_mask']) {
      if (!inputTypes.has(required)) {
        throw new EncoderError('E_BAD_INPUTS', `${file}: graph has no "${required}" input (it has ${[...inputTypes.keys()].join(', ') || 'none'})`, { file });
      }
    }
    if (!session.outputNames.includes('last_hidden_state')) {
      throw new EncoderError('E_BAD_INPUTS', `${file}: graph has no "last_hidden_state" output (it has ${session.outputNames.join(', ')})`, { file });
    }
    return new OnnxRunner(session, file, inputTypes, session.outputNames);
  }

  get takesTokenTypes(): boolean {
    return this.inputTypes.has('token_type_ids');
  }

  /** Runs one batch and returns the requested outputs as [rows x length x hidden] Float32Arrays. */
  async run(batch: BatchInput, outputs: readonly string[]): Promise<Float32Array[]> {
    const dims = [batch.rows, batch.length];
    const feeds: Record<string, ort.Tensor> = {};
    const source: Record<string, Int32Array> = { input_ids: batch.ids, attention_mask: batch.mask, token_type_ids: batch.typeIds };
    for (const [name, type] of this.inputTypes) {
      const values = source[name] as Int32Array;
      if (type === 'int32') feeds[name] = new ort.Tensor('int32', values, dims);
      else {
        const wide = new BigInt64Array(values.length);
        for (let k = 0; k < values.length; k++) wide[k] = BigInt(values[k] as number);
        feeds[name] = new ort.Tensor('int64', wide, dims);
      }
    }
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run(feeds, outputs as string[]);
    } catch (cause) {
      throw new EncoderError('E_RUNTIME', `${this.file}: inference failed on a ${batch.rows}x${batch.length} batch: ${(cause as Error).message}`, {
        file: this.file,
        cause,
      });
    }
    return outputs.map((name) => {
      const tensor = result[name] as ort.Tensor;
      if (tensor.type !== 'float32') throw new EncoderError('E_RUNTIME', `${this.file}: output ${name} is ${tensor.type}, expected float32`);
      return tensor.data as Float32Array;
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
