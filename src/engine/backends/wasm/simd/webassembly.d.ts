// The few WebAssembly JS API members Kiln uses. tsconfig has no DOM lib, and @types/node 20 does not
// declare the WebAssembly global (Node itself has it).
declare namespace WebAssembly {
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
