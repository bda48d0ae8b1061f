import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findShared } from '@bertkit/shared-data';

/** The built CLI the tests run as a subprocess (pnpm test builds it first). */
export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

/** ../shared beside the repository (or BERTKIT_SHARED). */
export const SHARED = findShared() ?? join(process.cwd(), '..', 'shared');
