import * as core from '@actions/core';
import { escapeHtml } from './summary.js';

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

/**
 * Every form a secret can take in what the suite writes: as it is; inside a JSON string
 * (quotes and backslashes escaped); escaped as HTML text (a job summary); URL-encoded (in a
 * query string, `+` for spaces too); and, for a value that spans lines, or whose literal `\n`
 * a tool turns into line breaks (Packer does), each of its lines, since that is how it then
 * appears (and how the runner masks it).
 * Forms under three visible characters are left out: they would redact the whole log.
 */
export function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encoded, escapeHtml(secret)]);
  forms.add(encoded.replace(/%20/g, '+'));
  const unescaped = secret.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  for (const whole of [secret, unescaped]) {
    if (!/[\r\n]/.test(whole)) continue;
    forms.add(whole);
    for (const line of whole.split(/\r?\n|\r/)) forms.add(line.trim());
  }
  return [...forms].filter((form) => form.trim().length >= 3);
}

/** Keeps the masked values and redacts them, for every Logger. */
export class Secrets {
  private readonly values = new Set<string>();
  /** Every form of every value, longest first, so a whole value is never split by one of its lines. */
  private forms: string[] = [];

  /**
   * The forms not known before, so each is announced to the runner once; empty when the
   * value was already known.
   */
  add(secret: string): string[] {
    if (this.values.has(secret)) return [];
    this.values.add(secret);
    const known = new Set(this.forms);
    const added = secretForms(secret).filter((form) => !known.has(form));
    this.forms = [...this.forms, ...added].sort((a, b) => b.length - a.length);
    return added;
  }

  redact(text: string): string {
    let result = text;
    for (const form of this.forms) result = result.split(form).join('***');
    return result.includes(CUT) ? this.redactAtCuts(result) : result;
  }

  /**
   * A value cut short where no redactor was at hand (an error's quote of a long value) can end
   * with the start of a masked value: the start of a form just before a cut's `…` goes too.
   */
  private redactAtCuts(text: string): string {
    return text
      .split(CUT)
      .map((part, index, parts) => {
        if (index === parts.length - 1) return part;
        let longest = 0;
        for (const form of this.forms) {
          for (let length = Math.min(form.length - 1, part.length); length > longest; length--) {
            if (part.endsWith(form.slice(0, length))) {
              longest = length;
              break;
            }
          }
        }
        return longest > 0 ? `${part.slice(0, -longest)}***` : part;
      })
      .join(CUT);
  }
}

/**
 * A log line that starts with `::` is a workflow command to the runner, and core.info writes
 * its text as it is: a key or a value from outside that holds `\n::add-mask::` or
 * `\r::stop-commands::` would be obeyed. Such a line starts with a zero-width space instead.
 * (core.warning, core.error and core.debug escape their text themselves.)
 */
export function inert(text: string): string {
  return text.replace(/(^|[\r\n])::/g, '$1\u200B::');
}

/** What every cut of a value ends with (values.ts, summary.ts, errors.ts). */
const CUT = '…';

export class ActionsLogger implements Logger {
  private readonly secrets = new Secrets();

  debug(message: string): void {
    core.debug(this.redact(message));
  }
  info(message: string): void {
    core.info(inert(this.redact(message)));
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
    // The runner masks only what it is told: each form, not just the value as given.
    for (const form of secret ? this.secrets.add(secret) : []) core.setSecret(form);
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
