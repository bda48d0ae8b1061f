// ../shared (stand-in models and SST-2) is found the same way by the demo, the tests and the bench.
export { findShared } from '@bertkit/shared-data';
