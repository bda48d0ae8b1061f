import { parseArgs } from 'node:util';
import { findShared } from './shared.js';
import { printTokenizerBench, tokenizerBench } from './tokenizer-bench.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);

const shared = findShared();
console.log(`bertkit bench: node ${process.version}, ${rounds} timed rounds each (median)`);
const tokenizer = await tokenizerBench(shared, rounds);
if (values.json) console.log(JSON.stringify({ tokenizer }, null, 2));
else printTokenizerBench(tokenizer);
