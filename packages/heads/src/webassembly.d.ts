// The WebAssembly JS API as Node provides it; TypeScript's ES libs leave it to lib.dom, which a Node
// package should not pull in. Only what the loss kernel uses.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
    static exports(module: Module): Array<{ name: string; kind: string }>;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
}
