import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encoderBench, printEncoderBench } from './encoder-bench.js';
import { findShared } from './shared.js';
import { printTokenizerBench, tokenizerBench } from './tokenizer-bench.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    model: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
if (values.only !== undefined && values.only !== 'tokenizer' && values.only !== 'encoder') {
  throw new Error(`--only must be tokenizer or encoder, got ${values.only}`);
}

const shared = findShared();
console.log(`bertkit bench: node ${process.version}, ${rounds} timed rounds each (median)`);
const results: Record<string, unknown> = {};
if (values.only !== 'encoder') {
  const tokenizer = await tokenizerBench(shared, rounds);
  results.tokenizer = tokenizer;
  if (!values.json) printTokenizerBench(tokenizer);
}
if (values.only !== 'tokenizer') {
  // Until a full-size model can be built here, the shared tiny stand-in measures batching and overhead.
  const encoder = await encoderBench(shared, values.model ?? join(shared, 'models/tiny-random-distilbert'));
  results.encoder = encoder;
  if (!values.json) printEncoderBench(encoder);
}
if (values.json) console.log(JSON.stringify(results, null, 2));
