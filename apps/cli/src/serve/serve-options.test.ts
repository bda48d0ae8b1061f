// Serve settings from flags and BERTKIT_* variables: defaults, precedence, and errors naming the source.
import { describe, expect, it } from 'vitest';
import { SERVE_FLAGS, envName, serveSettings } from './serve-options.js';

describe('serveSettings', () => {
  it('defaults: loopback, port 8080, batching on, TEI-like limits, info logs', () => {
    expect(serveSettings({ bundle: ['b'] }, {})).toEqual({
      bundles: ['b'],
      models: [],
      host: '127.0.0.1',
      port: 8080,
      maxBatchTokens: 2048,
      maxDelayMs: 5,
      batching: true,
      maxQueue: 4096,
      maxClientBatch: 32,
      maxInputChars: 20_000,
      bodyLimit: 1 << 20,
      timeoutMs: 30_000,
      apiKey: undefined,
      quantized: false,
      logLevel: 'info',
    });
  });

  it('every flag has a BERTKIT_* variable; flags win over it', () => {
    expect(Object.keys(SERVE_FLAGS).map((f) => envName(f as keyof typeof SERVE_FLAGS))).toContain('BERTKIT_MAX_BATCH_TOKENS');
    const env = { BERTKIT_BUNDLE: 'a, people=ner', BERTKIT_PORT: '9000', BERTKIT_MAX_BATCH_TOKENS: '512', BERTKIT_NO_BATCHING: 'true', BERTKIT_API_KEY: 'k', BERTKIT_QUANTIZED: '1', BERTKIT_LOG_LEVEL: 'silent', BERTKIT_HOST: '0.0.0.0' };
    const fromEnv = serveSettings({}, env);
    expect(fromEnv).toMatchObject({ bundles: ['a', 'people=ner'], port: 9000, maxBatchTokens: 512, batching: false, apiKey: 'k', quantized: true, logLevel: 'silent', host: '0.0.0.0' });
    const flags = serveSettings({ bundle: ['x'], port: '0', 'max-batch-tokens': '64', 'api-key': 'flag', 'log-level': 'debug' }, env);
    expect(flags).toMatchObject({ bundles: ['x'], port: 0, maxBatchTokens: 64, apiKey: 'flag', logLevel: 'debug', batching: false });
    expect(serveSettings({}, { BERTKIT_NO_BATCHING: 'no' }).batching).toBe(true);
  });

  it('a bad value names the variable or the flag it came from', () => {
    expect(() => serveSettings({}, { BERTKIT_PORT: 'eighty' })).toThrow(/^BERTKIT_PORT must be an integer >= 0, got "eighty"$/);
    expect(() => serveSettings({}, { BERTKIT_MAX_BATCH_TOKENS: '0' })).toThrow(/BERTKIT_MAX_BATCH_TOKENS must be an integer >= 1/);
    expect(() => serveSettings({}, { BERTKIT_BODY_LIMIT: '1.5e6' })).toThrow(/BERTKIT_BODY_LIMIT must be an integer/);
    expect(() => serveSettings({ 'timeout-ms': '-3' }, {})).toThrow(/--timeout-ms must be an integer >= 1, got "-3"/);
    expect(() => serveSettings({}, { BERTKIT_NO_BATCHING: 'maybe' })).toThrow(/BERTKIT_NO_BATCHING must be 1\/true\/yes or 0\/false\/no, got "maybe"/);
    expect(() => serveSettings({}, { BERTKIT_LOG_LEVEL: 'loud' })).toThrow(/BERTKIT_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"/);
    // The flag's own value is checked even when the variable is fine.
    expect(() => serveSettings({ port: 'x' }, { BERTKIT_PORT: '1' })).toThrow(/--port must be/);
  });
});
