export { PytorchBinFile } from './pytorch-bin-file.js';
export type { PytorchTensorEntry, RawTensorData } from './pytorch-bin-file.js';
export { PytorchBinError } from './errors.js';
export type { PytorchBinErrorCode, PytorchBinErrorDetails } from './errors.js';
