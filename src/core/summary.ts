/**
 * Builds job-summary Markdown. Kept free of `@actions/core` so the library can return summary
 * sections and tests can read them; the action writes them with `core.summary`.
 */
export function escapeCell(value: string): string {
  // A value from a template or a stack (a property, a drifted setting) is text, never markup:
  // a `</details>` or `<!--` in it must not fold or hide the rest of a summary or comment.
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
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

export function markdownTable(headers: string[], rows: string[][]): string {
  const head = `| ${headers.map(escapeCell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** Accumulates sections of one step's summary, in order. */
export class SummaryBuilder {
  private readonly parts: string[] = [];

  heading(text: string, level = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(text);
    return this;
  }

  table(headers: string[], rows: string[][]): this {
    if (rows.length > 0) this.parts.push(markdownTable(headers, rows));
    return this;
  }

  /** A section folded under its one-line summary: for tables too long to read at a glance. */
  details(title: string, inner: SummaryBuilder): this {
    this.parts.push(`<details><summary>${title}</summary>\n\n${inner.toMarkdown()}\n</details>`);
    return this;
  }

  /** A two-column key/value table, the "at a glance" block at the top of a summary. */
  facts(facts: Array<[string, string]>): this {
    return this.table(['', ''], facts);
  }

  toMarkdown(): string {
    return this.parts.join('\n\n') + '\n';
  }
}
