// Loaded before node-sqlite3-wasm (see sqlite.ts), which compiles its WebAssembly module when
// it is first required: from then on this process compiles WebAssembly with V8's baseline
// compiler (Liftoff) only. By default V8 later recompiles SQLite's hot functions with TurboFan
// (the VDBE interpreter alone is a very large function) on background threads, and the memory
// of those compilations stays with the process: at 1 s after start the gateway held 20-30 MB
// more, and 44 MB more after 20,000 state changes (112 MB against 68 MB), while each change
// cost more CPU, not less, because the recompiling is CPU too (328 against 241 µs per
// apply+load). The state store runs a few short statements per request; the baseline code is
// fast enough for that. Nothing else in the gateway uses WebAssembly.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
