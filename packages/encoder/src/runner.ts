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

  /**
   * `required`: output sets of which the graph must have one (default: last_hidden_state); the error
   * names what the graph has instead.
   */
  static async create(model: Uint8Array | string, file: string, options: RunnerOptions = {}, required: ReadonlyArray<readonly string[]> = [['last_hidden_state']]): Promise<OnnxRunner> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new EncoderError('E_INVALID_OPTION', `threads must be a positive integer, got ${threads}`);
    let session: ort.InferenceSession;
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        executionProviders: ['cpu'],
      };
      // A path lets onnxruntime find external data (model.onnx_data) beside the graph.
      session = typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
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
    if (!required.some((set) => set.every((name) => session.outputNames.includes(name)))) {
      const wanted = required.map((set) => set.map((n) => `"${n}"`).join(' and ')).join(' or ');
      const code = required.some((set) => set.includes('last_hidden_state')) ? 'E_BAD_INPUTS' : 'E_NOT_A_TASK_MODEL';
      throw new EncoderError(code, `${file}: graph has no ${wanted} output (it has ${session.outputNames.join(', ')})`, { file });
    }
    return new OnnxRunner(session, file, inputTypes, session.outputNames);
  }

  get takesTokenTypes(): boolean {
    return this.inputTypes.has('token_type_ids');
  }

  /** Runs one batch and returns the requested outputs as [rows x length x hidden] Float32Arrays. */
  async run(batch: BatchInput, outputs: readonly string[]): Promise<Float32Array[]> {
    return (await this.runWithDims(batch, outputs)).map((t) => t.data);
  }

  /** As run, with each output's dims (task heads: [rows, labels] or [rows, length, labels]). */
  async runWithDims(batch: BatchInput, outputs: readonly string[]): Promise<Array<{ data: Float32Array; dims: readonly number[] }>> {
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
      return { data: tensor.data as Float32Array, dims: tensor.dims };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
