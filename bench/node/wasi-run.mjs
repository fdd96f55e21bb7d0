// Runs a WASI command module N times in Node's V8 through node:wasi and prints the timings as JSON:
// the peer for Chicory in bench/'s Wasm execution scenario. Like Skiff, it compiles the module once
// and gives every run a fresh instance (fresh memory) and a fresh WASI context, then calls _start.
//
//   node --expose-gc wasi-run.mjs --wasm cpu.wasm --arg mb=4 [--env K=V] --warmup 5 --runs 20 [--gc]
//
// Output: {"engine": ..., "compile_ms": ..., "runs_ms": [...], "stdout": "<first run's stdout>"}
import { WASI } from 'node:wasi';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    wasm: { type: 'string' },
    arg: { type: 'string', multiple: true, default: [] },
    env: { type: 'string', multiple: true, default: [] },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '10' },
    gc: { type: 'boolean', default: false },
  },
});
if (!opts.wasm || (opts.gc && !globalThis.gc)) {
  console.error('usage: node [--expose-gc] wasi-run.mjs --wasm FILE [--arg A]... [--env K=V]... [--warmup N] [--runs N] [--gc]');
  process.exit(2);
}
const env = Object.fromEntries(opts.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const args = ['module', ...opts.arg];

let start = process.hrtime.bigint();
const module = await WebAssembly.compile(readFileSync(opts.wasm));
const compileMs = Number(process.hrtime.bigint() - start) / 1e6;

// One run: a fresh WASI context and instance; stdout goes to the given file descriptor.
// With --gc (and node --expose-gc), a full GC before each run, untimed, frees the last instance's
// memory: without it node 20 segfaults after about ten 4 MiB-hashing instances have piled up.
async function run(stdoutFd) {
  if (opts.gc) {
    globalThis.gc();
  }
  const wasi = new WASI({ version: 'preview1', args, env, stdout: stdoutFd, returnOnExit: true });
  const t0 = process.hrtime.bigint();
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const code = wasi.start(instance);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0) {
    throw new Error(`_start exited with ${code}`);
  }
  return ms;
}

// The first run's output is kept so the caller can check every engine did the same work.
const dir = mkdtempSync(join(tmpdir(), 'wasi-run-'));
const outFile = join(dir, 'stdout');
const outFd = openSync(outFile, 'w');
await run(outFd);
closeSync(outFd);
const stdout = readFileSync(outFile, 'utf8');
rmSync(dir, { recursive: true });

const devNull = openSync('/dev/null', 'w');
for (let i = 0; i < Number(opts.warmup); i++) {
  await run(devNull);
}
const runsMs = [];
for (let i = 0; i < Number(opts.runs); i++) {
  runsMs.push(await run(devNull));
}
closeSync(devNull);
console.log(JSON.stringify({
  engine: `V8 ${process.versions.v8} (Node ${process.version}, node:wasi preview1)`,
  compile_ms: compileMs,
  runs_ms: runsMs,
  stdout,
}));
