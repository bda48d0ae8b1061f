import { removePartialOutputs } from './outputs.js';

/**
 * Ctrl-C / SIGTERM. By default the process stops at once (exit 130) and removes its partial outputs. A
 * command whose work can be stopped cleanly (training: save a checkpoint first) claims the first signal
 * with `claimInterrupt`; a second signal still stops the process at once, so a stuck save can be left.
 */
type Claim = (signal: NodeJS.Signals) => void;

let claim: Claim | null = null;
let interrupted = false;

/** While claimed, the first SIGINT/SIGTERM calls `onInterrupt` instead of exiting. Returns the release. */
export function claimInterrupt(onInterrupt: Claim): () => void {
  claim = onInterrupt;
  return () => {
    if (claim === onInterrupt) claim = null;
  };
}

/** The command stopped because it was asked to (exit 130); its message says what was kept. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** Installs the SIGINT/SIGTERM handlers (main.ts, once). */
export function installInterruptHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (claim && !interrupted) {
        interrupted = true;
        process.stderr.write(`\nbertkit: ${signal}: finishing the current step and saving a checkpoint (again to quit at once)\n`);
        claim(signal);
        return;
      }
      removePartialOutputs();
      process.stderr.write(`\nbertkit: interrupted (${signal}); no partial output was kept\n`);
      process.exit(130);
    });
  }
}
