// Prints CHANGELOG.md's section for a version (`node scripts/release-notes.mjs v1.2.3`), the
// text of its GitHub release; fails when there is none, or when package.json says otherwise,
// so a tag cannot be released without saying what changed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// RELEASE_ROOT lets the tests point it at a changelog of their own.
const root =
  process.env.RELEASE_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The body under `## [VERSION]` (Keep a Changelog), without the heading; undefined if absent. */
export function sectionOf(changelog, version) {
  const lines = changelog.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .filter((line) => !/^\[[^\]]+\]: /.test(line))
    .join('\n')
    .trim();
  return body || undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tag = process.argv[2] ?? '';
  const version = /^v(\d+\.\d+\.\d+)$/.exec(tag)?.[1];
  if (!version) {
    console.error(`'${tag}' is not a release tag like v1.2.3.`);
    process.exit(1);
  }
  const packageVersion = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  if (packageVersion !== version) {
    console.error(`package.json says ${packageVersion}, the tag ${tag}: bump one of them.`);
    process.exit(1);
  }
  const notes = sectionOf(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), version);
  if (!notes) {
    console.error(`CHANGELOG.md has no section '## [${version}]' with text: write it first.`);
    process.exit(1);
  }
  console.log(notes);
}
