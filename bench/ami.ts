// npm run bench:ami — the action's own cost over Packer's. Builds the same amazon-ebs template
// on moto with a bare `packer build` and with the bundled action (node dist/index.js, as the
// runner starts it), alternating, and reports the medians and the difference. The action adds
// `packer version`, `packer validate`, the template copy, tagging and the manifest.
// Goal: under one second of overhead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMoto } from '../harness/moto.js';
import { REPO_ROOT, runAction } from '../harness/run-action.js';
import { adjustJsonTemplate } from '../src/ami/packer-template.js';
import { findPacker } from '../src/ami/run-packer.js';
import { median } from './stats.js';

const ROUNDS = 5;
const GOAL_MS = 1000;
const BASE_AMI = 'ami-03cf127a'; // one of moto's built-in public images

// The demo's image template: the action builds it as it is, the bare run builds the copy the
// action would make of it (name, region, emulator endpoint), so both build the same thing.
const TEMPLATE = path.join(REPO_ROOT, 'demo', 'ami', 'sample-service.json');

async function main(): Promise<void> {
  const packer = await findPacker(process.env.PACKER_PATH);
  const moto = await startMoto();
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-ami-'));
  const { document } = adjustJsonTemplate(
    JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Record<string, unknown>,
    {
      amiName: 'bench-bare-{{timestamp}}-{{uuid}}',
      region: moto.env.AWS_REGION ?? 'us-east-1',
      endpoint: moto.endpoint,
      firstProvisioner: undefined,
    },
  );
  writeFileSync(path.join(work, 'bare.json'), JSON.stringify(document));
  const env = { ...process.env, ...moto.env, CHECKPOINT_DISABLE: '1' };
  const bare: number[] = [];
  const action: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS + 1; round++) {
      const started = Date.now();
      const result = spawnSync(
        packer.path,
        ['build', '-machine-readable', '-var', `source_ami=${BASE_AMI}`, 'bare.json'],
        { cwd: work, env, encoding: 'utf8' },
      );
      const bareMs = Date.now() - started;
      if (result.status !== 0) throw new Error(`bare packer build failed:\n${result.stdout}`);
      const run = await runAction(
        'action-build-ami',
        {
          template: TEMPLATE,
          name: 'bench',
          version: `1.0.${round}`,
          variables: `source_ami=${BASE_AMI}`,
          'working-directory': work,
        },
        moto.env,
      );
      if (run.exitCode !== 0) throw new Error(`action-build-ami failed:\n${run.stdout}`);
      // The first round warms the file cache and moto; it is not counted.
      if (round === 1) continue;
      bare.push(bareMs);
      action.push(run.durationMs);
      console.log(`round ${round - 1}: packer build ${bareMs} ms, action ${run.durationMs} ms`);
    }
  } finally {
    await moto.stop();
  }
  const overhead = median(action) - median(bare);
  console.log('');
  console.log(`Packer ${packer.version}, amazon-ebs on moto, median of ${ROUNDS} rounds:`);
  console.log(`  bare packer build      ${median(bare).toFixed(0)} ms`);
  console.log(`  action-build-ami       ${median(action).toFixed(0)} ms`);
  console.log(
    `  overhead               ${overhead.toFixed(0)} ms (goal < ${GOAL_MS} ms), ratio ${(median(action) / median(bare)).toFixed(2)}`,
  );
  if (overhead >= GOAL_MS) {
    console.log('GOAL MISSED');
    process.exitCode = 1;
  }
}

await main();
