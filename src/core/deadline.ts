import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { StepTimeoutError } from './errors.js';
import { formatDuration, systemClock, type Clock } from './waiter.js';

type Phase = 'work' | 'recovery';

/** How a signal from the runner is handled: the runner kills the process this long after it. */
export interface Cancellation {
  signal: string;
  graceMs: number;
}

/**
 * One step's time budget, split in two: the work, then a reserve kept to serve users again
 * (out of Standby, maintenance off) and to journal what happened. Code run through `recover`
 * may use the reserve; everything else stops when the work's share ends. Every AWS call
 * (src/aws/bounded-calls.ts), every sleep and every wait of a step checks it, so no retry,
 * backoff or poll can outlive the step.
 *
 * It is itself the step's Clock: a sleep never reaches past the end of its phase, and one that
 * would start after it throws instead.
 */
export class Deadline implements Clock {
  private readonly phase = new AsyncLocalStorage<Phase>();
  private readonly limits: Record<Phase, number>;
  private readonly controllers: Record<Phase, AbortController> = {
    work: new AbortController(),
    recovery: new AbortController(),
  };
  private readonly timers: Partial<Record<Phase, NodeJS.Timeout>> = {};
  private stoppedBy: string | undefined;
  readonly startedAt: number;

  constructor(
    readonly budgetMs: number,
    readonly reserveMs: number,
    /** How the budget was given, for messages (`timeout-minutes: 2`). */
    readonly label: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.startedAt = clock.now();
    this.limits = {
      work: this.startedAt + budgetMs - reserveMs,
      recovery: this.startedAt + budgetMs,
    };
    // Every call in flight listens on its phase's signal: dozens at once are normal, not a leak.
    setMaxListeners(0, this.controllers.work.signal, this.controllers.recovery.signal);
    this.arm('work');
    this.arm('recovery');
  }

  /**
   * A step's deadline from its `timeout-minutes`: a fifth is kept for recovery, at least 30 s
   * (Standby exits and a maintenance call take seconds) and at most 5 min, never over half.
   */
  static forStep(timeoutMinutes: number, clock: Clock = systemClock): Deadline {
    const budget = timeoutMinutes * 60_000;
    const reserve = Math.min(Math.max(budget / 5, 30_000), 5 * 60_000, budget / 2);
    return new Deadline(budget, reserve, `timeout-minutes: ${timeoutMinutes}`, clock);
  }

  private current(): Phase {
    return this.phase.getStore() ?? 'work';
  }

  private arm(phase: Phase): void {
    clearTimeout(this.timers[phase]);
    const delay = Math.max(0, this.limits[phase] - this.clock.now());
    const timer = setTimeout(
      () => this.controllers[phase].abort(this.error(phase)),
      Math.min(delay, 2 ** 31 - 1),
    );
    // The deadline must never keep a finished process alive.
    timer.unref();
    this.timers[phase] = timer;
  }

  private error(phase: Phase, during?: string): StepTimeoutError {
    const where = during ? ` during ${during}` : '';
    if (this.stoppedBy) return new StepTimeoutError(`${this.stoppedBy}${where}.`);
    if (phase === 'work') {
      return new StepTimeoutError(
        `The step ran out of time${where}: ${this.label} allows ${formatDuration(this.budgetMs)}, the last ${formatDuration(this.reserveMs)} of it kept to serve users again.`,
      );
    }
    return new StepTimeoutError(
      `The step ran out of time${where}: ${this.label} (${formatDuration(this.budgetMs)}) has passed, including the time kept to serve users again.`,
    );
  }

  now(): number {
    return this.clock.now();
  }

  /** Time left to the end of the caller's phase (the work's share, or the whole budget in `recover`). */
  remainingMs(): number {
    if (this.signal().aborted) return 0;
    return Math.max(0, this.limits[this.current()] - this.clock.now());
  }

  /** Aborted when the caller's phase ends. */
  signal(): AbortSignal {
    return this.controllers[this.current()].signal;
  }

  /** Throws if the caller's phase is over; `what` names what could not start. */
  check(what: string): void {
    if (this.remainingMs() <= 0) throw this.error(this.current(), what);
  }

  /** `work`, settled, or a StepTimeoutError naming `what` once the caller's phase ends. */
  bound<T>(what: string, work: Promise<T>): Promise<T> {
    const signal = this.signal();
    if (signal.aborted) {
      // The abandoned call settles later; its outcome no longer matters to anyone.
      work.catch(() => undefined);
      return Promise.reject(this.error(this.current(), what));
    }
    const phase = this.current();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        work.catch(() => undefined);
        reject(this.error(phase, what));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  async sleep(ms: number): Promise<void> {
    this.check('a pause between attempts');
    await this.bound(
      'a pause between attempts',
      this.clock.sleep(Math.min(ms, this.remainingMs())),
    );
    this.check('a pause between attempts');
  }

  /**
   * Runs what serves users again after a failure: it may use the reserve, up to the end of the
   * whole budget, while the work that failed stays stopped.
   */
  recover<T>(run: () => Promise<T>): Promise<T> {
    return this.phase.run('recovery', run);
  }

  /**
   * The runner stopped the step (its timeout-minutes, or a cancelled run): the work stops now,
   * and recovery gets what is left before the runner kills the process.
   */
  cancel({ signal, graceMs }: Cancellation): void {
    this.stoppedBy ??= `The runner stopped the step (${signal}: its timeout-minutes ran out, or the run was cancelled)`;
    const now = this.clock.now();
    this.limits.work = Math.min(this.limits.work, now);
    this.limits.recovery = Math.min(this.limits.recovery, now + graceMs);
    this.controllers.work.abort(this.error('work'));
    this.arm('recovery');
  }

  /** Whether the work's share has ended, by time or by the runner. */
  get expired(): boolean {
    return this.controllers.work.signal.aborted;
  }

  dispose(): void {
    clearTimeout(this.timers.work);
    clearTimeout(this.timers.recovery);
  }
}

/** `work` in the deadline's recovery phase, or simply run when the step has no deadline. */
export function inRecovery<T>(deadline: Deadline | undefined, work: () => Promise<T>): Promise<T> {
  return deadline ? deadline.recover(work) : work();
}

/**
 * A request timeout of `ms`, or less if the step's deadline (when `clock` is one) comes sooner:
 * for the HTTP calls the SDK does not make, which the deadline cannot end by itself.
 */
export function timeoutWithin(ms: number, clock: Clock): number {
  return clock instanceof Deadline ? Math.max(1, Math.min(ms, clock.remainingMs())) : ms;
}
