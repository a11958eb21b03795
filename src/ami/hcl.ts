import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
// The Go runtime's JavaScript half (defines globalThis.Go). A static import: ncc splits a
// dynamic one into a chunk and then leaves the bundle's licenses out of licenses.txt.
import '@cdktn/hcl2json/wasm/bridge_wasm_exec.js';
import { ConfigurationError } from '../core/errors.js';
import { isRecord } from '../core/values.js';

// The glue also publishes `require` as a global, which nothing here needs and which would make
// code that probes for CommonJS take the wrong path.
delete (globalThis as { require?: unknown }).require;

type Parse = (file: string, text: string) => Promise<unknown>;
type Callback = (error: unknown, result?: string) => void;
type GoRoot = Record<string, (...args: unknown[]) => void>;
interface GoRuntime {
  importObject: unknown;
  run(instance: unknown): Promise<void>;
}
// Node has WebAssembly; this project's type libraries (ES2023 and Node's) do not declare it.
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: unknown }>;
}

/** Where the Go program of @cdktn/hcl2json registers its functions. */
const GO_ROOT = '__parse_terraform_config_wasm__';

let parser: Promise<Parse> | undefined;

/** The package's WebAssembly: beside the bundle (scripts/bundle.mjs copies it), or installed. */
function wasmFile(): string {
  const bundled = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    'hcl2json',
    'main.wasm.gz',
  );
  if (existsSync(bundled)) return bundled;
  return createRequire(import.meta.url).resolve('@cdktn/hcl2json/main.wasm.gz');
}

/**
 * HashiCorp's HCL library, compiled to WebAssembly by @cdktn/hcl2json, loaded on first use (a
 * JSON template never pays for its 2 MB). Started here rather than through the package's own
 * entry point, which finds its WebAssembly through `__dirname` (an ES module bundle has none)
 * and waits for it to start without a bound.
 */
function loadParser(): Promise<Parse> {
  return (parser ??= (async () => {
    const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
    const go = new Go();
    const bytes = gunzipSync(await readFile(wasmFile()));
    const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
    const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
    const root: GoRoot = {};
    (globalThis as Record<string, unknown>)[GO_ROOT] = root;
    // Runs until the program's main blocks, having registered its functions on `root`.
    void go.run(instance);
    const parse = root.parse;
    if (typeof parse !== 'function') {
      throw new Error('the HCL parser did not start (no parse function registered)');
    }
    return (file, text) =>
      new Promise((resolve, reject) => {
        const callback: Callback = (error, result) => {
          if (error) reject(new Error(typeof error === 'string' ? error : JSON.stringify(error)));
          else resolve(JSON.parse(result ?? 'null'));
        };
        parse(file, text, callback);
      });
  })());
}

/** The parser runs in WebAssembly; a parse that never answers must not hang the step. */
const PARSE_TIMEOUT_MS = 60_000;

async function parseWithin(file: string, text: string): Promise<unknown> {
  const parse = await loadParser();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      parse(file, text),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`the HCL parser did not answer within ${PARSE_TIMEOUT_MS / 1000} s`)),
          PARSE_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * HCL read with HashiCorp's own parser (the HCL library compiled to WebAssembly, through
 * @cdktn/hcl2json), not with patterns: heredocs, escapes, nested maps and comments are read as
 * Packer reads them, so every value that must be masked is found whatever its form.
 */
export async function parseHcl(
  file: string,
  text: string,
  source: string,
): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = await parseWithin(file, text);
  } catch (error) {
    // The parser's message carries the file, line and column: `x.hcl:3,7-8: Invalid ...`.
    const detail = (error instanceof Error ? error.message : String(error))
      .replace(/^parse config: /, '')
      .replace(/^\[([\s\S]*)\]$/, '$1')
      .slice(0, 600);
    throw new ConfigurationError(`${file} is not valid HCL: ${detail}`, source);
  }
  if (!isRecord(parsed)) throw new ConfigurationError(`${file} is not valid HCL`, source);
  return parsed;
}

/** A value as it would be passed to Packer: strings as they are, anything else as JSON. */
export function asVariableValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every string inside a value (the strings of a list or map, at any depth), for masking. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isRecord(value)) return Object.values(value).flatMap(stringsIn);
  return value === undefined || value === null ? [] : [JSON.stringify(value)];
}
