import * as core from '@actions/core';

/** Where a message points in the user's files, for annotations. */
export interface Location {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/**
 * Everything the library says goes through a Logger passed in as a parameter, never through
 * `@actions/core` directly, so the library runs (and is tested) outside a runner.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  /** A warning annotation. */
  warning(message: string, location?: Location): void;
  /** An error annotation; does not fail the step by itself. */
  error(message: string, location?: Location): void;
  /** Runs `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value that must never appear in the log. */
  mask(secret: string): void;
  /**
   * `text` with every masked value replaced by `***`. The runner masks the log, but not what
   * an action writes to outputs or the job summary, nor the log outside a runner.
   */
  redact(text: string): string;
}

/** Keeps the masked values and redacts them, for every Logger. */
export class Secrets {
  private readonly values = new Set<string>();

  /** `false` when the value was already known, so it is announced to the runner only once. */
  add(secret: string): boolean {
    if (this.values.has(secret)) return false;
    // One- and two-character "secrets" would redact the whole log into asterisks.
    if (secret.length >= 3) this.values.add(secret);
    return true;
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.values) {
      // Also as it appears inside a JSON string (quotes and backslashes escaped).
      for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
        result = result.split(form).join('***');
      }
    }
    return result;
  }
}

export class ActionsLogger implements Logger {
  private readonly secrets = new Secrets();

  debug(message: string): void {
    core.debug(this.redact(message));
  }
  info(message: string): void {
    core.info(this.redact(message));
  }
  warning(message: string, location?: Location): void {
    core.warning(this.redact(message), location ?? {});
  }
  error(message: string, location?: Location): void {
    core.error(this.redact(message), location ?? {});
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }
  mask(secret: string): void {
    if (secret && this.secrets.add(secret)) core.setSecret(secret);
  }
  redact(text: string): string {
    return this.secrets.redact(text);
  }
}

/** A Logger for plain scripts (demo, benchmarks): prints to stdout, groups as headings. */
export class ConsoleLogger implements Logger {
  constructor(private readonly verbose = false) {}
  debug(message: string): void {
    if (this.verbose) console.log(`  [debug] ${this.redact(message)}`);
  }
  info(message: string): void {
    console.log(this.redact(message));
  }
  warning(message: string): void {
    console.log(`warning: ${this.redact(message)}`);
  }
  error(message: string): void {
    console.log(`error: ${this.redact(message)}`);
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    console.log(`▸ ${name}`);
    return fn();
  }
  private readonly secrets = new Secrets();
  mask(secret: string): void {
    this.secrets.add(secret);
  }
  redact(text: string): string {
    return this.secrets.redact(text);
  }
}
