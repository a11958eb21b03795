// Bundles every action-*/src/index.ts into action-*/dist with @vercel/ncc (one bundle per
// action, as the runner loads `dist/index.js`). With --check, bundles into a scratch folder
// and exits non-zero if any committed dist/ differs from a fresh bundle.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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

/** Every npm package a webpack module (or a concatenation of them) comes from. */
function packagesOf(modules, found = new Map()) {
  for (const module of modules ?? []) {
    const name = String(module.name ?? '');
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(name.replace(/^\.\//, ''));
    if (match && !found.has(match[2])) found.set(match[2], path.join(root, match[1]));
    packagesOf(module.modules, found);
  }
  return found;
}

/**
 * ncc writes licenses.txt for the entry chunk only; a package loaded lazily (a chunk of its
 * own, imported on first use) is added here in the same form: name, license, license text.
 */
function completeLicenses(outDir, statsFile) {
  const file = path.join(outDir, 'licenses.txt');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  const listed = new Set(text.split('\n'));
  const missing = [...packagesOf(stats.modules)]
    .filter(([name]) => !listed.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [name, folder] of missing) {
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(folder).find((entry) =>
      /^(licen[cs]e|copying)(\.|$)/i.test(entry),
    );
    const body = licenseFile ? readFileSync(path.join(folder, licenseFile), 'utf8').trim() : '';
    text += `${text === '' || text.endsWith('\n\n') ? '' : '\n'}${name}\n${manifest.license ?? 'UNKNOWN'}\n${body}\n\n`;
  }
  writeFileSync(file, text);
}

function bundle(action, outDir) {
  const stats = path.join(mkdtempSync(path.join(os.tmpdir(), `${action}-stats-`)), 'stats.json');
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
      '--stats-out',
      stats,
      '-q',
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`ncc failed for ${action}`);
  completeLicenses(outDir, stats);
  rmSync(path.dirname(stats), { recursive: true, force: true });
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
