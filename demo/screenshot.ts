// npm run demo:screenshot [step] [file.png]: one job summary of the last `npm run demo`,
// rendered by a headless Chromium as GitHub lays it out, saved as the README's picture
// (docs/images/). Needs Debian's chromium (or CHROMIUM_PATH); run the demo first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../harness/run-action.js';
import { summaryPage } from '../harness/summary-page.js';

const STEP = process.argv[2] ?? 'migrate production to 1.2.0, blue → green';
// GitHub heads a job's summary with the job's name.
const JOB = process.argv[2] === undefined ? 'Production / migrate' : STEP;
const OUTPUT = path.join(REPO_ROOT, 'docs', 'images', process.argv[3] ?? 'summary-migrate.png');
const HEIGHT = Number(process.env.SCREENSHOT_HEIGHT ?? 760);

const reportFile = path.join(REPO_ROOT, '.demo', 'report.md');
if (!existsSync(reportFile)) throw new Error('No .demo/report.md: run npm run demo first.');
const report = readFileSync(reportFile, 'utf8');
const marker = `<!-- step: ${STEP} -->`;
const start = report.indexOf(marker);
if (start < 0) throw new Error(`The report has no step named "${STEP}".`);
const rest = report.slice(start + marker.length);
const summary = rest.slice(0, rest.search(/<!-- step: |$/)).trim();

const work = mkdtempSync(path.join(os.tmpdir(), 'summary-screenshot-'));
try {
  const page = path.join(work, 'summary.html');
  writeFileSync(
    page,
    summaryPage(STEP, [summary], { heading: false, cardTitle: `${JOB} summary` }),
  );
  mkdirSync(path.dirname(OUTPUT), { recursive: true });
  const chromium = process.env.CHROMIUM_PATH ?? 'chromium';
  // The flags keep a headless Chromium off the network: this machine's is closed.
  const result = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${path.join(work, 'profile')}`,
      `--window-size=1060,${HEIGHT}`,
      `--screenshot=${OUTPUT}`,
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0 || !existsSync(OUTPUT)) {
    throw new Error(
      `${chromium} did not take the screenshot: ${result.error?.message ?? result.stderr}`,
    );
  }
  console.log(`${path.relative(process.cwd(), OUTPUT)}: "${STEP}" as GitHub shows it.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
