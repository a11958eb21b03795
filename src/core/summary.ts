import path from 'node:path';
import * as core from '@actions/core';
import { AwsConsole } from '../aws/console-links.js';

/**
 * Job summaries, built with `@actions/core`'s summary API so they read like every other
 * action's: HTML that GitHub renders in the job summary, in a pull-request comment and in any
 * Markdown file. Every summary has one shape: an `<h2>` verdict first (✅, ⚠️, ⛔ or ❌ and what
 * happened), the reason under it, a key/value table, then `<h3>` sections, with long tables
 * folded under `<details>`.
 *
 * Text from templates, stacks and users is escaped on the way in; only the helpers here make
 * markup, so a `</details>` or `<!--` in a property value can never fold or hide the rest.
 */

declare const trusted: unique symbol;

/** Markup made by this module's helpers (a link, code, emphasis): never escaped again. */
export interface Markup {
  readonly html: string;
  readonly [trusted]: true;
}

/** What a cell, a paragraph or a heading holds: text (escaped), markup, or a run of both. */
export type Inline = string | Markup | readonly Inline[];

function trust(html: string): Markup {
  return { html } as Markup;
}

// Control characters, Unicode line separators and bidirectional overrides in text from outside
// (a key, a template value, an alarm name). A lone CR ends a line in CommonMark, so it would end
// the summary's HTML block and let the rest render as Markdown; the others hide or reorder text.
// A newline and a tab are kept: renderInline turns the one into <br>, the other is whitespace.
export function isInvisible(point: number): boolean {
  return (
    (point < 0x20 && point !== 0x0a && point !== 0x09) ||
    (point >= 0x7f && point <= 0x9f) ||
    point === 0x2028 ||
    point === 0x2029 ||
    (point >= 0x202a && point <= 0x202e) ||
    (point >= 0x2066 && point <= 0x2069)
  );
}

/** Each invisible character as a visible one: ␍ for CR, ␁ for U+0001, [U+202E] for the rest. */
export function visible(text: string): string {
  let shown = '';
  for (const character of text) {
    const point = character.charCodeAt(0);
    if (!isInvisible(point)) shown += character;
    else if (point < 0x20) shown += String.fromCharCode(0x2400 + point);
    else if (point === 0x7f) shown += '\u2421';
    else shown += `[U+${point.toString(16).toUpperCase().padStart(4, '0')}]`;
  }
  return shown;
}

/**
 * Text as HTML: markup characters escaped, and control characters shown (a newline and a tab
 * are kept: renderInline turns the one into <br>, the other is whitespace).
 */
export function escapeHtml(text: string): string {
  return visible(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function isMarkup(value: Inline): value is Markup {
  return typeof value === 'object' && !Array.isArray(value) && 'html' in value;
}

/**
 * `@user`, `@org/team`, `#123` and `GH-123` with a zero-width joiner after their sign: text from
 * templates, stacks and definitions is shown, never a mention or a reference that notifies.
 */
export function neutralise(text: string): string {
  return text
    .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, '$1@\u200D')
    .replace(/#(?=\d)/g, '#\u200D')
    .replace(/\bGH-(?=\d)/gi, (sign) => `${sign}\u200D`);
}

export function renderInline(value: Inline): string {
  if (typeof value === 'string') return escapeHtml(neutralise(value)).replace(/\n/g, '<br>');
  if (isMarkup(value)) return value.html;
  return value.map(renderInline).join('');
}

type CoreSummary = typeof core.summary;

/**
 * A summary buffer of its own: `@actions/core` exports only the step's instance of its Summary
 * class, and the blocks rendered here must not touch what is buffered there.
 */
function coreSummary(): CoreSummary {
  const Summary = core.summary.constructor as new () => CoreSummary;
  return new Summary();
}

/** A link (core's `addLink`) to `href`, or the label alone when there is no address. */
export function link(label: Inline, href: string | undefined): Markup {
  if (href === undefined) return trust(renderInline(label));
  return trust(coreSummary().addLink(renderInline(label), escapeHtml(href)).stringify().trimEnd());
}

export function code(value: string): Markup {
  return trust(`<code>${escapeHtml(value).replace(/\n/g, '<br>')}</code>`);
}

/**
 * A value as a summary shows it: whole when short, else its start and length. Masked values are
 * removed first, so a cut can never leave the start of one behind.
 */
export function shortened(value: string, max: number, redact: (text: string) => string): string {
  const text = redact(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export function strong(value: Inline): Markup {
  return trust(`<strong>${renderInline(value)}</strong>`);
}

/** A clause as a sentence: a capital first letter and a full stop. */
export function sentence(clause: string): string {
  const text = clause.trim();
  if (text === '') return text;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** "1 check", "3 checks": a count as a sentence says it. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}

/** A byte count as people read it: 2,890 B, 132.6 KiB, 7.3 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes.toLocaleString('en-US')} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A file on the runner as a reader of the summary knows it: relative to the workspace (or the
 * working directory) when inside it, else its name. A runner's absolute paths (`/home/runner/
 * work/…`, `/tmp/…`) mean nothing to someone reading the run later.
 */
export function displayPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  return workspacePath(file, env) ?? path.basename(path.resolve(file));
}

/** A path relative to the workspace (or the working directory); undefined when outside both. */
function workspacePath(file: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const absolute = path.resolve(file);
  for (const root of [env.GITHUB_WORKSPACE, process.cwd()]) {
    if (!root) continue;
    const relative = path.relative(root, absolute);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
      return relative.split(path.sep).join('/');
    }
  }
  return undefined;
}

export type Outcome = 'success' | 'warning' | 'refused' | 'failed';

/** ⛔ is a deliberate stop (the suite refused, nothing changed); ❌ a failure of the work. */
const MARKS: Readonly<Record<Outcome, string>> = {
  success: '✅',
  warning: '⚠️',
  refused: '⛔',
  failed: '❌',
};

/** Tables longer than this fold under `<details>`, so the verdict stays at the top. */
export const FOLD_AFTER = 10;

export interface TableOptions {
  /** The section's heading; the `<details>` label when the table folds. */
  title?: Inline;
  /** `auto` folds tables over FOLD_AFTER rows; `always` for tables kept for the record. */
  fold?: 'auto' | 'always' | 'never';
}

type Block = (into: CoreSummary) => void;

interface Verdict {
  outcome: Outcome;
  title: Inline;
  reason?: Inline;
}

/** One step's summary: a verdict, then blocks in the order they were added. */
export class SummaryBuilder {
  /** Console addresses in the step's region; the action's shell sets it once it is known. */
  console = new AwsConsole(undefined);
  /** Removes masked values; the shell sets the step's, so what is cut is redacted first. */
  redact: (text: string) => string = (text) => text;
  private said: Verdict | undefined;
  private blocks: Block[] = [];

  /** The `<h2>` line every summary starts with; a later verdict replaces an earlier one. */
  verdict(outcome: Outcome, title: Inline, reason?: Inline): this {
    this.said = reason === undefined ? { outcome, title } : { outcome, title, reason };
    return this;
  }

  get outcome(): Outcome | undefined {
    return this.said?.outcome;
  }

  /** A section's `<h3>`. */
  heading(title: Inline): this {
    this.blocks.push((into) => into.addHeading(renderInline(title), 3));
    return this;
  }

  paragraph(content: Inline): this {
    this.blocks.push((into) => into.addRaw(`<p>${renderInline(content)}</p>`, true));
    return this;
  }

  list(items: readonly Inline[]): this {
    if (items.length > 0) this.blocks.push((into) => into.addList(items.map(renderInline)));
    return this;
  }

  /**
   * Key/value rows, the keys as row headers (no empty header row above them). A row whose
   * value is undefined or empty is left out: a summary shows what is known.
   */
  facts(rows: ReadonlyArray<readonly [string, Inline | undefined]>): this {
    const known = rows.filter(
      (row): row is readonly [string, Inline] =>
        row[1] !== undefined && renderInline(row[1]) !== '',
    );
    if (known.length === 0) return this;
    this.blocks.push((into) =>
      into.addTable(
        known.map(([name, value]) => [
          { data: escapeHtml(name), header: true },
          { data: renderInline(value) },
        ]),
      ),
    );
    return this;
  }

  /** A table with a header row; nothing when there are no rows. */
  table(
    headers: readonly string[],
    rows: ReadonlyArray<readonly Inline[]>,
    options: TableOptions = {},
  ): this {
    if (rows.length === 0) return this;
    const fold = options.fold ?? 'auto';
    const table: Block = (into) =>
      into.addTable([
        headers.map((header) => ({ data: escapeHtml(header) || '&nbsp;', header: true })),
        ...rows.map((row) => row.map((cell) => ({ data: renderInline(cell) || '–' }))),
      ]);
    if (fold === 'always' || (fold === 'auto' && rows.length > FOLD_AFTER)) {
      const label: Inline = [options.title ?? 'Rows', ` (${rows.length})`];
      this.blocks.push((into) => into.addDetails(renderInline(label), render([table])));
      return this;
    }
    if (options.title !== undefined) this.heading(options.title);
    this.blocks.push(table);
    return this;
  }

  /** A section folded under its one-line label. */
  details(label: Inline, inner: SummaryBuilder): this {
    this.blocks.push((into) => into.addDetails(renderInline(label), render(inner.blocks)));
    return this;
  }

  /** Another builder's sections (not its verdict), after these. */
  append(other: SummaryBuilder): this {
    this.blocks.push(...other.blocks);
    return this;
  }

  /** Moves the sections written so far out into a builder of their own, leaving this empty. */
  takeSections(): SummaryBuilder {
    const taken = new SummaryBuilder();
    taken.console = this.console;
    taken.redact = this.redact;
    taken.blocks = this.blocks;
    this.blocks = [];
    return taken;
  }

  /**
   * Where something is, as a reader follows it: an `s3://` URI as a link to the console, an
   * http(s) URL as a link, a file on the runner by its path in the workspace.
   */
  locate(where: string | undefined): Inline | undefined {
    if (where === undefined || where === '') return undefined;
    return /^(s3|https?):\/\//.test(where) ? this.reference(where) : displayPath(where);
  }

  /** A value that may be an address (an output, a detail): linked when it is one. */
  reference(value: string): Inline {
    if (value.startsWith('s3://')) return link(value, this.console.s3Uri(value));
    // An address that does not parse (a proxy variable with port 99999) is quoted, not linked.
    if (/^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value)) return link(value, value);
    return value;
  }

  /**
   * Prose with the addresses in it (`s3://`, `http(s)://`) linked, and the runner's paths in the
   * workspace shortened to the path a reader knows; a path outside it is quoted as it is.
   */
  linkify(text: string): Inline {
    const parts: Inline[] = [];
    let last = 0;
    const addresses = /(?:s3:\/\/[a-z0-9]|https?:\/\/)[^\s<>"']*|(?<=^|[\s('"])\/[^\s<>"'(),;:]+/g;
    for (const match of text.matchAll(addresses)) {
      // A full stop or bracket after an address ends the sentence, not the address.
      const address = match[0].replace(/[.,;:!?)\]]+$/, '');
      parts.push(
        text.slice(last, match.index),
        address.startsWith('/') ? (workspacePath(address) ?? address) : this.reference(address),
      );
      last = match.index + address.length;
    }
    parts.push(text.slice(last));
    return parts;
  }

  /** A stack's name linked to it in the console (by its ARN when known). */
  stackLink(name: string, id?: string): Markup {
    return link(name, this.console.stack(id ?? name));
  }

  /** The verdict: its heading and reason, as HTML. */
  verdictHtml(): string {
    const said = this.said;
    if (!said) return '';
    const into = coreSummary().addHeading(`${MARKS[said.outcome]} ${renderInline(said.title)}`, 2);
    if (said.reason !== undefined) into.addRaw(`<p>${renderInline(said.reason)}</p>`, true);
    return into.stringify();
  }

  /** Each section as HTML on its own, whole elements only (a comment cuts between them). */
  sectionsHtml(): string[] {
    return this.blocks.map((block) => render([block]));
  }

  toHtml(): string {
    return this.verdictHtml() + render(this.blocks);
  }
}

function render(blocks: readonly Block[]): string {
  const into = coreSummary();
  for (const block of blocks) block(into);
  return into.stringify();
}
