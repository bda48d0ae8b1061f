import { TokenizerError, TokenizerTypeError } from '@bertkit/wordpiece';
import { CliError } from './cli-error.js';
import { demoCommand } from './demo-command.js';
import { TOKENIZE_USAGE, tokenizeCommand } from './tokenize-command.js';

const USAGE = `bertkit <command> [options]

commands:
  tokenize   encode text with a BERT WordPiece tokenizer (JSON lines)
  demo       tokenize the shared SST-2 sample

${TOKENIZE_USAGE}`;

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  switch (command) {
    case 'tokenize':
      return tokenizeCommand(rest);
    case 'demo':
      return demoCommand();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      throw new CliError('E_USAGE', `unknown command "${command}"\n\n${USAGE}`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CliError || error instanceof TokenizerError || error instanceof TokenizerTypeError) {
    console.error(`bertkit: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`bertkit: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
