/**
 * Job summaries in a page a browser shows much as GitHub shows them on a run: each summary in
 * its own card, GitHub's type, tables and folds. For reading the demo's report and for the
 * README's screenshot (demo/screenshot.ts); the summaries themselves are the actions' HTML.
 */

const STYLE = `
  :root { color-scheme: light; }
  body {
    margin: 0; padding: 24px; background: #f6f8fa; color: #1f2328;
    font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
      sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
  }
  main { max-width: 1012px; margin: 0 auto; }
  h1 { font-size: 24px; font-weight: 600; margin: 0 0 16px; }
  section {
    background: #fff; border: 1px solid #d1d9e0; border-radius: 6px;
    padding: 16px 24px; margin: 0 0 16px; overflow-x: auto;
  }
  section > .card-title {
    margin: -16px -24px 16px; padding: 8px 24px; border-bottom: 1px solid #d1d9e0;
    font-weight: 600; color: #59636e; background: #f6f8fa; border-radius: 6px 6px 0 0;
  }
  h2 { font-size: 1.5em; font-weight: 600; margin: 8px 0 8px; padding-bottom: .3em;
    border-bottom: 1px solid #d1d9e0b3; }
  h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 12px; }
  p, ul, table, details { margin: 0 0 12px; }
  table { border-collapse: collapse; display: block; width: max-content; max-width: 100%;
    overflow: auto; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
  th { font-weight: 600; white-space: nowrap; }
  tr:nth-child(2n) { background: #f6f8fa; }
  code { font: 85% ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace;
    background: #818b981f; border-radius: 6px; padding: .2em .4em; }
  a { color: #0969da; text-decoration: none; }
  a:hover { text-decoration: underline; }
  details > summary { cursor: pointer; margin-bottom: 8px; }
`;

/** A whole page: a heading, then one card per summary (each the HTML an action wrote). */
export function summaryPage(
  title: string,
  summaries: readonly string[],
  options: { cardTitle?: string; heading?: boolean } = {},
): string {
  const { cardTitle, heading = true } = options;
  const cards = summaries
    .map(
      (summary) =>
        `<section>${cardTitle ? `<div class="card-title">${cardTitle}</div>` : ''}\n${summary}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${heading ? `<h1>${title}</h1>` : ''}
${cards}
</main>
</body>
</html>
`;
}
