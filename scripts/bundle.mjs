// Bundles every action-*/src/index.ts into action-*/dist with @vercel/ncc (one bundle per
// action, as the runner loads `dist/index.js`). With --check, bundles into a scratch folder
// and exits non-zero if any committed dist/ differs from a fresh bundle.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

export function actionFolders() {
  return readdirSync(root)
    .filter(
      (name) => name.startsWith('action-') && existsSync(path.join(root, name, 'src', 'index.ts')),
    )
    .filter((name) => only.length === 0 || only.includes(name))
    .sort();
}

function listFiles(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

function bundle(action, outDir) {
  const result = spawnSync(
    process.execPath,
    [
      ncc,
      'build',
      path.join(action, 'src', 'index.ts'),
      '-o',
      outDir,
      '--license',
      'licenses.txt',
      '-q',
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`ncc failed for ${action}`);
  for (const [from, to] of ASSETS[action] ?? []) {
    cpSync(path.join(root, 'node_modules', from), path.join(outDir, to));
  }
}

/**
 * Files a bundled package reads at run time that ncc cannot see it read: the HCL parser's
 * WebAssembly (src/ami/hcl.ts says where the bundle looks for it).
 */
const ASSETS = {
  'action-build-ami': [['@cdktn/hcl2json/main.wasm.gz', 'hcl2json/main.wasm.gz']],
};

/** Where a fresh file first differs from the committed one, so a stale bundle can be explained. */
function firstDifference(fresh, committed) {
  if (!existsSync(fresh) || !existsSync(committed))
    return existsSync(fresh) ? ' (not committed)' : ' (not in a fresh bundle)';
  const a = readFileSync(fresh, 'utf8').split('\n');
  const b = readFileSync(committed, 'utf8').split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  const at = line < 0 ? a.length : line;
  return ` (line ${at + 1}: fresh ${JSON.stringify((a[at] ?? '').slice(0, 120))}, committed ${JSON.stringify((b[at] ?? '').slice(0, 120))})`;
}

let stale = [];
for (const action of actionFolders()) {
  const dist = path.join(root, action, 'dist');
  if (!check) {
    const scratch = mkdtempSync(path.join(os.tmpdir(), `${action}-`));
    bundle(action, scratch);
    rmSync(dist, { recursive: true, force: true });
    cpSync(scratch, dist, { recursive: true });
    rmSync(scratch, { recursive: true, force: true });
    console.log(`bundled ${action}/dist (${listFiles(dist).length} files)`);
    continue;
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), `${action}-check-`));
  try {
    bundle(action, scratch);
    const fresh = listFiles(scratch);
    const committed = listFiles(dist);
    const names = [...new Set([...fresh, ...committed])].sort();
    for (const name of names) {
      const a = path.join(scratch, name);
      const b = path.join(dist, name);
      if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) {
        stale.push(`${action}/dist/${name}${firstDifference(a, b)}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
if (stale.length > 0) {
  console.error(`dist/ is stale; run \`npm run build\` and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
if (check) console.log('every dist/ matches a fresh bundle');
