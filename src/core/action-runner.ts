import * as core from '@actions/core';
import { resolveAwsSettings, type AwsSettings } from '../aws/clients.js';
import { reportThrottling } from '../aws/bounded-calls.js';
import type { DeploymentTracker } from '../github/deployments.js';
import { Deadline } from './deadline.js';
import { errorMessage } from './errors.js';
import { asActionError, debugStack } from './failure.js';
import { runContextFromEnv, type RunContext } from './github-context.js';
import type { InputSource } from './inputs.js';
import { ActionsLogger, type Location, type Logger } from './logger.js';
import { onRunnerStop } from './runner-signals.js';
import { AwsConsole } from '../aws/console-links.js';
import { SummaryBuilder, type Inline } from './summary.js';

/**
 * What a step has established so far (the domain fills it in as it learns), so a failure's
 * summary says what the success summary would have: which stack, version and environment.
 */
export interface StepFacts {
  environment?: string;
  component?: string;
  version?: string;
  stack?: string;
  /** Where the environment came from: a package URL or path, or the definition file. */
  source?: string;
}

/** What the shell gives an action's domain function: one per step, built before it runs. */
export interface Step {
  readonly logger: Logger;
  readonly summary: SummaryBuilder;
  readonly facts: StepFacts;
  readonly run: RunContext;
  readonly deployments: DeploymentTracker;
  /** The whole step's budget, when the action bounds its step (action-migrate). */
  readonly deadline: Deadline | undefined;
  /**
   * The AWS settings for a region (the input, else the runner's), resolved once; every client
   * made from them is bounded by the step's deadline, and their throttling is reported.
   */
  aws(regionInput: string | undefined): AwsSettings;
}

export type Outputs = Record<string, string>;

/** One action, as the shell runs it: read the inputs, run the domain, write the outputs. */
export interface ActionSpec<I, R> {
  /** The action's folder name, also in the AWS user agent (CloudTrail shows who called). */
  name: string;
  /** Every input, validated into a typed object before any other work. */
  inputs(source: InputSource): I;
  /** Values masked before anything could echo them. */
  secrets?(inputs: I): Array<string | undefined>;
  /**
   * How GitHub deployments are recorded, for the actions that change an environment. Passed in
   * rather than imported here, so the actions that never record one do not bundle Octokit.
   */
  deployments?: {
    token(inputs: I): string | undefined;
    tracker(token: string | undefined, runUrl: string | null, logger: Logger): DeploymentTracker;
  };
  /** The step's whole budget in minutes, when every call and wait of the step is bounded by it. */
  stepTimeoutMinutes?(inputs: I): number;
  main(inputs: I, step: Step): Promise<R>;
  outputs(result: R, step: Step): Outputs;
  /** What the outputs still say when the step fails: what it left behind, where the data is. */
  failureOutputs?(error: unknown, facts: StepFacts): Outputs;
}

/**
 * The exit code of a failed step (`core.ExitCode.Failure`), spelt out: @github/local-action's
 * stand-in for @actions/core has no `ExitCode`, and a failure must still be told there.
 */
const FAILED = 1;

/** No GitHub deployment: the change just runs. */
const untracked: DeploymentTracker = { track: (_fields, work) => work() };

/** Remembers the group each failure left, innermost first: the phase that failed. */
class PhaseLogger extends ActionsLogger {
  private readonly phases = new WeakMap<object, string>();

  override async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await super.group(name, fn);
    } catch (error) {
      if (typeof error === 'object' && error !== null && !this.phases.has(error)) {
        this.phases.set(error, name);
      }
      throw error;
    }
  }

  /** The phase of the error, else of its causes (a bounded walk: a cause can point back). */
  phaseOf(error: unknown, depth = 0): string | undefined {
    if (typeof error !== 'object' || error === null || depth > 8) return undefined;
    const cause = (error as { cause?: unknown }).cause;
    return this.phases.get(error) ?? this.phaseOf(cause, depth + 1);
  }
}

/** Writes the job summary, with masked values removed (the runner masks only the log). */
async function writeSummary(summary: SummaryBuilder, logger: Logger): Promise<void> {
  try {
    await core.summary.addRaw(logger.redact(summary.toHtml())).write();
  } catch (error) {
    // Outside a runner (or with no summary file) a missing summary must not fail the step.
    core.debug(`No job summary written: ${errorMessage(error)}`);
  }
}

function writeOutputs(outputs: Outputs, logger: Logger): void {
  // GITHUB_OUTPUT is not masked by the runner: a masked value leaves as ***.
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, logger.redact(value));
}

function factRows(
  summary: SummaryBuilder,
  facts: StepFacts,
  phase: string | undefined,
  nextStep: string | undefined,
): Array<[string, Inline | undefined]> {
  return [
    ['How to go on', nextStep && summary.linkify(nextStep)],
    ['Failed during', phase],
    ['Environment', facts.environment],
    ['Component', facts.component],
    ['Stack', facts.stack && summary.stackLink(facts.stack)],
    ['Version', facts.version],
    ['Source', summary.locate(facts.source)],
  ];
}

/**
 * Every failure told the same way: the verdict first (⛔ for a deliberate refusal, ❌
 * otherwise) with the error's message as its reason, how to go on and what the step had
 * established, the error's own sections, then what the step had written before it failed;
 * and one annotation that fails the step (on the user's line when the error knows it).
 */
function reportFailure(
  error: unknown,
  logger: PhaseLogger,
  summary: SummaryBuilder,
  facts: StepFacts,
  settings: Iterable<AwsSettings>,
): void {
  const failure = asActionError(error);
  const before = summary.takeSections();
  const next = failure.nextStep();
  // A refusal's message ends with how to go on, which the table below says on its own line.
  const reason =
    next && failure.message.endsWith(next)
      ? failure.message.slice(0, -next.length).trim()
      : failure.message;
  summary.verdict(
    failure.kind === 'refusal' ? 'refused' : 'failed',
    failure.headline,
    summary.linkify(reason),
  );
  summary.facts(factRows(summary, facts, logger.phaseOf(error), next));
  failure.details(summary);
  summary.append(before);
  for (const each of settings) reportThrottling(each.bounds.throttles, summary, logger);
  for (const extra of failure.extraAnnotations()) {
    logger.error(extra.message, extra.title ? { title: extra.title } : undefined);
  }
  const stack = debugStack(error, failure);
  if (stack) logger.debug(stack);
  const at = failure.location();
  const location: Location | undefined = at && {
    file: at.file,
    ...(at.line === undefined ? {} : { startLine: at.line }),
    ...(at.column === undefined ? {} : { startColumn: at.column }),
  };
  logger.error(failure.annotation(), location);
  process.exitCode = FAILED;
}

/**
 * Runs one action: the shell every action-*\/src/main.ts hands its spec to. It owns what every
 * action shares (the logger and masking, the job summary, the outputs, GitHub deployments, the
 * step's deadline and the runner's stop signals, and how every failure is told), so an action
 * is its inputs, one domain call and the mapping of its result.
 */
export async function runAction<I, R>(spec: ActionSpec<I, R>): Promise<void> {
  const logger = new PhaseLogger();
  const summary = new SummaryBuilder();
  // Whatever the summary cuts short is redacted first, so no start of a secret is left.
  summary.redact = (text) => logger.redact(text);
  const facts: StepFacts = {};
  const settings = new Map<string, AwsSettings>();
  let deadline: Deadline | undefined;
  let stopListening = () => {};
  try {
    const inputs = spec.inputs((name) => core.getInput(name));
    for (const secret of spec.secrets?.(inputs) ?? []) if (secret) logger.mask(secret);
    const minutes = spec.stepTimeoutMinutes?.(inputs);
    if (minutes !== undefined) {
      deadline = Deadline.forStep(minutes);
      stopListening = onRunnerStop(deadline, logger);
    }
    const run = runContextFromEnv();
    const step: Step = {
      logger,
      summary,
      facts,
      run,
      deadline,
      deployments: spec.deployments
        ? spec.deployments.tracker(spec.deployments.token(inputs), run.runUrl, logger)
        : untracked,
      aws(regionInput) {
        const key = regionInput ?? '';
        let resolved = settings.get(key);
        if (!resolved) {
          resolved = resolveAwsSettings(spec.name, regionInput);
          resolved.bounds.deadline = deadline;
          settings.set(key, resolved);
          // The first region the step works in is the one its summary links into.
          if (summary.console.region === undefined) {
            summary.console = new AwsConsole(resolved.region);
          }
        }
        return resolved;
      },
    };
    const result = await spec.main(inputs, step);
    writeOutputs(spec.outputs(result, step), logger);
  } catch (error) {
    // Neither the outputs' mapping nor a renderer may hide the failure itself: each is tried,
    // and the step fails with the error's message whatever they do.
    try {
      writeOutputs(spec.failureOutputs?.(error, facts) ?? {}, logger);
    } catch (mapping) {
      logger.debug(`No outputs written for the failure: ${errorMessage(mapping)}`);
    }
    try {
      reportFailure(error, logger, summary, facts, settings.values());
    } catch (rendering) {
      logger.debug(`The failure could not be rendered: ${errorMessage(rendering)}`);
      logger.error(errorMessage(error));
      process.exitCode = FAILED;
    }
  } finally {
    stopListening();
    deadline?.dispose();
  }
  await writeSummary(summary, logger);
}
