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
}

export class ActionsLogger implements Logger {
  debug(message: string): void {
    core.debug(message);
  }
  info(message: string): void {
    core.info(message);
  }
  warning(message: string, location?: Location): void {
    core.warning(message, location ?? {});
  }
  error(message: string, location?: Location): void {
    core.error(message, location ?? {});
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }
  mask(secret: string): void {
    if (secret) core.setSecret(secret);
  }
}

/** A Logger for plain scripts (demo, benchmarks): prints to stdout, groups as headings. */
export class ConsoleLogger implements Logger {
  constructor(private readonly verbose = false) {}
  debug(message: string): void {
    if (this.verbose) console.log(`  [debug] ${message}`);
  }
  info(message: string): void {
    console.log(message);
  }
  warning(message: string): void {
    console.log(`warning: ${message}`);
  }
  error(message: string): void {
    console.log(`error: ${message}`);
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    console.log(`▸ ${name}`);
    return fn();
  }
  mask(): void {}
}
