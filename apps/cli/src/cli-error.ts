/**
 * A usage or data problem the user can fix: printed as one line without a stack trace, exit code 1.
 * Anything else that escapes a command is an internal error (exit code 2).
 */
export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Errors from the libraries that describe bad input rather than a bug: reported like CliError. */
export function isUserError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  if (error instanceof CliError) return true;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    code.startsWith('E_') &&
    ['TokenizerError', 'TokenizerTypeError', 'EncoderError', 'EncoderTypeError', 'HeadsError', 'TrainerError', 'ModelToolsError', 'SafetensorsError', 'PytorchBinError', 'HubError'].includes(error.name)
  );
}
