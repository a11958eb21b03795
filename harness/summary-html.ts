/**
 * Reads the job summaries the actions write (HTML from @actions/core's summary API): as text a
 * test can match (`## verdict`, `| cell | cell |` rows), and against the scheme every summary
 * follows (checkSummary), so a summary that a person would misread fails the tests and the demo.
 */
import { FOLD_AFTER, isInvisible } from '../src/core/summary.js';

const ALLOWED = new Set([
  'h2',
  'h3',
  'p',
  'table',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'ul',
  'li',
  'a',
  'code',
  'strong',
  'br',
]);
const VOID = new Set(['br']);
const VERDICT = /^(✅|⚠️|⛔|❌) \S/;

interface Token {
  kind: 'open' | 'close' | 'text' | 'comment';
  tag: string;
  attributes: string;
  text: string;
}

function tokens(html: string): Token[] {
  const found: Token[] = [];
  const pattern = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|[^<]+|</g;
  for (const match of html.matchAll(pattern)) {
    const [whole, slash, tag, attributes] = match;
    if (whole.startsWith('<!--')) {
      found.push({ kind: 'comment', tag: '', attributes: '', text: whole });
    } else if (tag) {
      found.push({
        kind: slash ? 'close' : 'open',
        tag: tag.toLowerCase(),
        attributes: attributes ?? '',
        text: whole,
      });
    } else {
      found.push({ kind: 'text', tag: '', attributes: '', text: whole });
    }
  }
  return found;
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/**
 * The summary as lines of text: `## ` and `### ` headings, `| a | b |` table rows, `▸ ` for
 * a folded section's label, `- ` for list items, paragraphs as they read. Tags are dropped,
 * entities decoded, line breaks inside a cell or paragraph kept as spaces.
 */
export function readSummary(html: string): string {
  const lines: string[] = [];
  let text = '';
  let cells: string[] | undefined;
  const flush = (prefix = '') => {
    const value = decodeEntities(text)
      .replace(/\u200D/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (value !== '') lines.push(`${prefix}${value}`);
    text = '';
  };
  for (const token of tokens(html)) {
    if (token.kind === 'text') {
      // Outside an element the newlines between blocks are not text.
      text += token.text;
      continue;
    }
    if (token.kind === 'comment') continue;
    const { tag } = token;
    if (token.kind === 'open') {
      if (tag === 'br') text += ' ';
      else if (tag === 'tr') cells = [];
      else if (
        ['h2', 'h3', 'p', 'li', 'summary', 'th', 'td', 'table', 'details', 'ul'].includes(tag)
      )
        flush();
      continue;
    }
    if (tag === 'h2') flush('## ');
    else if (tag === 'h3') flush('### ');
    else if (tag === 'summary') flush('▸ ');
    else if (tag === 'li') flush('- ');
    else if (tag === 'p') flush();
    else if (tag === 'th' || tag === 'td') {
      cells?.push(
        decodeEntities(text)
          .replace(/\u200D/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      );
      text = '';
    } else if (tag === 'tr') {
      lines.push(`| ${(cells ?? []).join(' | ')} |`);
      cells = undefined;
    }
  }
  flush();
  return lines.join('\n');
}

/**
 * Where a summary breaks the scheme every summary follows: well-formed elements of the allowed
 * set; one `<h2>` verdict first (✅ ⚠️ ⛔ ❌ and words), then `<h3>` sections only; a header row
 * with no empty header, or key/value rows headed by their key; long tables folded; no runner
 * path in a heading or table (a message may quote one a user gave) and no `s3://` address
 * outside a link. Empty when it follows it.
 */
export function checkSummary(html: string): string[] {
  const problems: string[] = [];
  // A lone CR or a blank line ends an HTML block in CommonMark: what follows renders as
  // Markdown. Other control characters hide text.
  let control = -1;
  for (let index = 0; index < html.length && control < 0; index++) {
    if (isInvisible(html.charCodeAt(index))) control = index;
  }
  if (control >= 0) {
    problems.push(
      `a raw control character U+${html.charCodeAt(control).toString(16).padStart(4, '0')}: ${JSON.stringify(html.slice(Math.max(0, control - 40), control + 40))}`,
    );
  }
  const open: string[] = [];
  const significant = tokens(html).filter(
    (token) => token.kind !== 'comment' && !(token.kind === 'text' && token.text.trim() === ''),
  );
  const first = significant[0];
  if (!first || first.kind !== 'open' || first.tag !== 'h2') {
    problems.push(
      `the summary does not start with its <h2> verdict: ${first?.text.slice(0, 80) ?? 'it is empty'}`,
    );
  }
  let h2s = 0;
  let heading: { tag: string; text: string } | undefined;
  let table:
    { rows: number; header: 'row' | 'column' | undefined; insideDetails: boolean } | undefined;
  let row: Array<{ tag: string; text: string }> | undefined;
  let cell: { tag: string; text: string } | undefined;
  let linkDepth = 0;
  const within: string[] = [];
  for (const token of tokens(html)) {
    if (token.kind === 'open' && !VOID.has(token.tag)) within.push(token.tag);
    else if (token.kind === 'close') within.pop();
    else if (token.kind === 'text' && within.length > 0 && /\n[ \t]*\n/.test(token.text)) {
      problems.push(
        `a blank line inside <${within.join('><')}>: the rest of it renders as Markdown`,
      );
    }
  }
  for (const token of significant) {
    if (token.kind === 'text') {
      const text = decodeEntities(token.text);
      if (heading) heading.text += text;
      if (cell) cell.text += text;
      if (linkDepth === 0 && /s3:\/\/[a-z0-9]/.test(text)) {
        problems.push(`an s3:// address that is not a link: ${text.trim().slice(0, 100)}`);
      }
      // A message may quote a path the user gave; what the summary names itself is shown by
      // its path in the workspace, never by where it sits on the runner.
      if (
        (heading || cell) &&
        /(^|[\s(])\/(tmp|home|work|var|Users|private|root|opt)\//.test(text)
      ) {
        problems.push(`a path on the runner: ${text.trim().slice(0, 100)}`);
      }
      continue;
    }
    const { tag } = token;
    if (!ALLOWED.has(tag)) {
      problems.push(`<${tag}> is not an element summaries use`);
      continue;
    }
    if (token.kind === 'open') {
      if (!VOID.has(tag)) open.push(tag);
      if (tag === 'h2') {
        h2s += 1;
        heading = { tag, text: '' };
      } else if (tag === 'h3') heading = { tag, text: '' };
      else if (tag === 'a') linkDepth += 1;
      else if (tag === 'table') {
        table = { rows: 0, header: undefined, insideDetails: open.includes('details') };
      } else if (tag === 'tr') row = [];
      else if (tag === 'th' || tag === 'td') cell = { tag, text: '' };
      continue;
    }
    const expected = open.pop();
    if (expected !== tag) {
      problems.push(`</${tag}> closes <${expected ?? 'nothing'}>`);
      if (expected) open.push(expected);
      continue;
    }
    if ((tag === 'h2' || tag === 'h3') && heading) {
      if (tag === 'h2' && !VERDICT.test(heading.text.trim())) {
        problems.push(`the verdict does not start with ✅, ⚠️, ⛔ or ❌: ${heading.text.trim()}`);
      }
      if (heading.text.trim() === '') problems.push(`an empty <${tag}>`);
      heading = undefined;
    } else if (tag === 'a') linkDepth -= 1;
    else if ((tag === 'th' || tag === 'td') && cell) {
      row?.push(cell);
      cell = undefined;
    } else if (tag === 'tr' && row && table) {
      const kind = row.every((each) => each.tag === 'th')
        ? 'row'
        : row[0]?.tag === 'th' && row.slice(1).every((each) => each.tag === 'td')
          ? 'column'
          : undefined;
      if (table.rows === 0) {
        if (kind === undefined) problems.push('a table with neither a header row nor row headers');
        if (row.some((each) => each.text.trim() === '')) {
          problems.push(
            `a table whose ${kind === 'row' ? 'header row' : 'first row'} has an empty cell`,
          );
        }
        table.header = kind;
      } else if (table.header === 'column' && kind !== 'column') {
        problems.push('a key/value table with a row that has no key');
      }
      table.rows += 1;
      row = undefined;
    } else if (tag === 'table' && table) {
      const bodyRows = table.header === 'row' ? table.rows - 1 : table.rows;
      if (bodyRows > FOLD_AFTER && !table.insideDetails) {
        problems.push(`a table of ${bodyRows} rows that is not folded under <details>`);
      }
      table = undefined;
    }
  }
  if (open.length > 0) problems.push(`unclosed: ${open.map((tag) => `<${tag}>`).join(', ')}`);
  if (h2s > 1) problems.push(`${h2s} <h2> verdicts: a summary has one`);
  return problems;
}
