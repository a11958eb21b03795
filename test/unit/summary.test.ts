import { describe, expect, test } from '@jest/globals';
import { AwsConsole, parseS3Uri } from '../../src/aws/console-links.js';
import { Secrets } from '../../src/core/logger.js';
import {
  code,
  displayPath,
  escapeHtml,
  FOLD_AFTER,
  link,
  neutralise,
  plural,
  sentence,
  shortened,
  SummaryBuilder,
} from '../../src/core/summary.js';
import { stepTitle } from '../../src/migration/summaries.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';

const rows = (count: number) =>
  Array.from({ length: count }, (_, index) => [`row ${index}`, 'value']);

describe('a summary is built with @actions/core and reads the same way everywhere', () => {
  test('the verdict comes first whenever it is said, and a later one replaces it', () => {
    const summary = new SummaryBuilder();
    summary.heading('Details').paragraph('written before the verdict');
    summary.verdict('success', 'Deployed', 'Everything went well.');
    summary.verdict('refused', 'Stopped by the guard', 'DataBucket would be replaced.');
    const html = summary.toHtml();
    expect(html.startsWith('<h2>⛔ Stopped by the guard</h2>')).toBe(true);
    expect(readSummary(html).split('\n')).toEqual([
      '## ⛔ Stopped by the guard',
      'DataBucket would be replaced.',
      '### Details',
      'written before the verdict',
    ]);
    expect(checkSummary(html)).toEqual([]);
    expect(summary.outcome).toBe('refused');
  });

  test('key/value facts are rows headed by their key, with no empty header row; unknowns are left out', () => {
    const summary = new SummaryBuilder().verdict('success', 'Done');
    summary.facts([
      ['Stack', 'web'],
      ['Version', undefined],
      ['Commit', ''],
      ['Duration', '2.0 s'],
    ]);
    const html = summary.toHtml();
    expect(html).toContain(
      '<table><tr><th>Stack</th><td>web</td></tr><tr><th>Duration</th><td>2.0 s</td></tr></table>',
    );
    expect(checkSummary(html)).toEqual([]);
  });

  test(`tables of more than ${FOLD_AFTER} rows fold under their title; shorter ones stay open`, () => {
    const summary = new SummaryBuilder().verdict('success', 'Done');
    summary.table(['Name', 'Value'], rows(FOLD_AFTER), { title: 'Short' });
    summary.table(['Name', 'Value'], rows(FOLD_AFTER + 1), { title: 'Long' });
    summary.table(['Name', 'Value'], rows(2), { title: 'Kept', fold: 'always' });
    summary.table(['Name', 'Value'], [], { title: 'Empty' });
    const text = readSummary(summary.toHtml());
    expect(text).toContain('### Short\n| Name | Value |');
    expect(text).toContain(`▸ Long (${FOLD_AFTER + 1})\n| Name | Value |`);
    expect(text).toContain('▸ Kept (2)');
    expect(text).not.toContain('Empty');
    expect(summary.toHtml()).toContain('<details><summary>Long (11)</summary><table>');
    expect(checkSummary(summary.toHtml())).toEqual([]);
  });

  test('text is text: markup in a template value cannot fold or hide the rest of a summary', () => {
    const summary = new SummaryBuilder().verdict('success', 'Done');
    summary.table(['Property', 'After'], [['Tag', '</details><!-- hidden | cell\nnext & more']]);
    const html = summary.toHtml();
    expect(html).toContain('<td>&lt;/details&gt;&lt;!-- hidden | cell<br>next &amp; more</td>');
    expect(checkSummary(html)).toEqual([]);
    expect(readSummary(html)).toContain('| Tag | </details><!-- hidden | cell next & more |');
    // An empty cell says so, rather than leaving an unclosed <td>.
    expect(new SummaryBuilder().table(['A', 'B'], [['x', '']]).toHtml()).toContain(
      '<td>x</td><td>–</td>',
    );
  });

  test('links, code and addresses in prose are made here and escaped', () => {
    expect(link('a "b" & c', 'https://example.com/?x="1"&y=2').html).toBe(
      '<a href="https://example.com/?x=&quot;1&quot;&amp;y=2">a &quot;b&quot; &amp; c</a>',
    );
    expect(link('no address', undefined).html).toBe('no address');
    expect(code('<b>').html).toBe('<code>&lt;b&gt;</code>');
    const summary = new SummaryBuilder();
    summary.console = new AwsConsole('eu-west-1');
    summary.paragraph(
      summary.linkify(
        'No record (ledger: s3://artifacts/promotions/web/1.0/). See https://example.com/a.',
      ),
    );
    const html = summary.toHtml();
    expect(html).toContain(
      '(ledger: <a href="https://eu-west-1.console.aws.amazon.com/s3/buckets/artifacts?region=eu-west-1&amp;prefix=promotions%2Fweb%2F1.0%2F">s3://artifacts/promotions/web/1.0/</a>). See <a href="https://example.com/a">https://example.com/a</a>.',
    );
    expect(checkSummary(`<h2>✅ Done</h2>${html}`)).toEqual([]);
  });

  test('in prose, a path in the workspace is shortened and one outside it quoted as given', () => {
    const summary = new SummaryBuilder();
    const inside = `${process.cwd()}/environment/environment.yml`;
    summary.paragraph(
      summary.linkify(
        `${inside} has no smoke section; /usr/local/bin/packer does not exist (s3://, or a file).`,
      ),
    );
    expect(readSummary(summary.toHtml())).toBe(
      'environment/environment.yml has no smoke section; /usr/local/bin/packer does not exist (s3://, or a file).',
    );
  });

  test('the sections move out and back in after a failure verdict, keeping their order', () => {
    const summary = new SummaryBuilder().verdict('success', 'Compared');
    summary.heading('Alarms').paragraph('one alarm');
    const before = summary.takeSections();
    summary.verdict('refused', 'The environments differ', 'production has an alarm staging lacks.');
    summary.facts([['How to go on', 'Put the alarm in the template.']]);
    summary.append(before);
    expect(readSummary(summary.toHtml()).split('\n')).toEqual([
      '## ⛔ The environments differ',
      'production has an alarm staging lacks.',
      '| How to go on | Put the alarm in the template. |',
      '### Alarms',
      'one alarm',
    ]);
  });

  test('files on the runner are shown by their path in the workspace, or by name', () => {
    const env = { GITHUB_WORKSPACE: '/home/runner/work/app/app' };
    expect(displayPath('/home/runner/work/app/app/out/web-1.0.0.tgz', env)).toBe(
      'out/web-1.0.0.tgz',
    );
    expect(displayPath('/tmp/packages/web-1.0.0.tgz', env)).toBe('web-1.0.0.tgz');
  });

  test('counts and sentences read as a person writes them', () => {
    expect(plural(1, 'check')).toBe('1 check');
    expect(plural(1200, 'object')).toBe('1,200 objects');
    expect(sentence('all 3 checks passed')).toBe('All 3 checks passed.');
    expect(sentence('Done!')).toBe('Done!');
  });

  test('a masked value is redacted from a summary in its HTML-escaped form too', () => {
    const secrets = new Secrets();
    secrets.add('p&ss<w>rd"1');
    const summary = new SummaryBuilder().verdict(
      'failed',
      'Failed',
      'the password p&ss<w>rd"1 was refused',
    );
    expect(escapeHtml('p&ss<w>rd"1')).toBe('p&amp;ss&lt;w&gt;rd&quot;1');
    const redacted = secrets.redact(summary.toHtml());
    expect(redacted).not.toContain('p&amp;ss');
    expect(redacted).toContain('the password *** was refused');
  });
});

describe('text from outside stays text', () => {
  test('control characters, separators and bidirectional overrides are shown, never written raw', () => {
    expect(escapeHtml('cr/a\rb.json ctl/a\u0001b del\u007f tab\tnl\n rtl\u202Eab ls\u2028')).toBe(
      'cr/a␍b.json ctl/a␁b del␡ tab\tnl\n rtl[U+202E]ab ls[U+2028]',
    );
    const html = new SummaryBuilder()
      .verdict('success', 'Done')
      .table(['Key', 'Value'], [['a\r\r![x](https://evil.example/x.png)', code('b\r\n\n# c')]])
      .toHtml();
    expect(html.includes('\r')).toBe(false);
    expect(checkSummary(html)).toEqual([]);
  });

  test('mentions and references notify nobody; an e-mail address and code are left as they are', () => {
    expect(neutralise('@octocat, @acme/admins, #12, acme/web#3, GH-4, me@example.com')).toBe(
      '@\u200Doctocat, @\u200Dacme/admins, #\u200D12, acme/web#\u200D3, GH-\u200D4, me@example.com',
    );
    expect(code('@octocat').html).toBe('<code>@octocat</code>');
  });

  test('an address that does not parse is quoted, not linked', () => {
    const summary = new SummaryBuilder();
    const linked = summary.linkify("HTTP_PROXY: 'http://***@127.0.0.1:99999' is not a proxy URL");
    expect(new SummaryBuilder().verdict('failed', 'x', linked).toHtml()).not.toContain('<a ');
  });

  test('a summary cuts a value only after removing masked values from it', () => {
    const secrets = new Secrets();
    secrets.add('ghs_planToken123');
    expect(
      shortened(`${'x'.repeat(188)}ghs_planToken123 and more`, 200, (text) => secrets.redact(text)),
    ).toBe(`${'x'.repeat(188)}*** and more`);
    expect(shortened('y'.repeat(250), 200, (text) => text)).toBe(
      `${'y'.repeat(200)}… (250 characters)`,
    );
  });

  test('the scheme refuses a raw carriage return and a blank line inside an element', () => {
    expect(checkSummary('<h2>✅ Done</h2>\n<p>a\rb</p>')).toEqual([
      expect.stringMatching(/^a raw control character U\+000d/) as unknown as string,
    ]);
    expect(checkSummary('<h2>✅ Done</h2>\n<p>a\n\n![x](y)</p>')).toEqual([
      'a blank line inside <p>: the rest of it renders as Markdown',
    ]);
  });
});

describe('console addresses follow the region and its partition', () => {
  const console = new AwsConsole('eu-west-1');

  test('stacks, change sets and images open in the region they live in', () => {
    const stackId = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/web/0a1b';
    expect(console.stack(stackId)).toBe(
      `https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=${encodeURIComponent(stackId)}`,
    );
    expect(console.changeSet(stackId, 'arn:aws:cloudformation:eu-west-1:1:changeSet/c/1')).toBe(
      `https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/changesets/changes?stackId=${encodeURIComponent(stackId)}&changeSetId=${encodeURIComponent('arn:aws:cloudformation:eu-west-1:1:changeSet/c/1')}`,
    );
    // An AMI copied to another region opens there, not in the step's region.
    expect(console.image('ami-0123', 'us-west-2')).toBe(
      'https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#ImageDetails:imageId=ami-0123',
    );
  });

  test('a bucket, a folder of it and an object are told apart', () => {
    expect(console.s3('data')).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/buckets/data?region=eu-west-1',
    );
    expect(console.s3Uri('s3://data/logs/')).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/buckets/data?region=eu-west-1&prefix=logs%2F',
    );
    expect(console.s3Uri('s3://data/logs/a b.json')).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/object/data?region=eu-west-1&prefix=logs%2Fa%20b.json',
    );
    expect(console.s3Uri('https://data.s3.amazonaws.com/x')).toBeUndefined();
    expect(parseS3Uri('s3://data')).toEqual({ bucket: 'data', key: '' });
  });

  test('China and GovCloud have consoles of their own; the ISO partitions and an unknown region none', () => {
    expect(new AwsConsole('cn-north-1').stack('web')).toBe(
      'https://console.amazonaws.cn/cloudformation/home?region=cn-north-1#/stacks/stackinfo?stackId=web',
    );
    expect(new AwsConsole('us-gov-west-1').image('ami-1')).toBe(
      'https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1#ImageDetails:imageId=ami-1',
    );
    expect(new AwsConsole('us-iso-east-1').stack('web')).toBeUndefined();
    expect(new AwsConsole('us-isob-east-1').s3('data')).toBeUndefined();
    expect(new AwsConsole(undefined).stack('web')).toBeUndefined();
  });
});

describe('the summary scheme the tests and the demo hold every summary to', () => {
  const verdict = '<h2>✅ Done</h2>\n';

  test('a summary that follows it has no problems', () => {
    expect(checkSummary(`${verdict}<h3>Section</h3>\n<p>text</p>\n`)).toEqual([]);
  });

  test.each([
    ['<h3>Section</h3>\n', /does not start with its <h2> verdict/],
    ['<h2>Deployed</h2>\n', /does not start with ✅, ⚠️, ⛔ or ❌/],
    [`${verdict}<h4>Deep</h4>\n`, /<h4> is not an element summaries use/],
    [`${verdict}<h2>✅ Again</h2>\n`, /2 <h2> verdicts/],
    [
      `${verdict}<table><tr><th></th><th></th></tr><tr><td>a</td><td>b</td></tr></table>\n`,
      /header row has an empty cell/,
    ],
    [
      `${verdict}<table><tr><th>A</th></tr>${'<tr><td>x</td></tr>'.repeat(11)}</table>\n`,
      /11 rows that is not folded/,
    ],
    [`${verdict}<p>ledger: s3://bucket/key</p>\n`, /s3:\/\/ address that is not a link/],
    [
      `${verdict}<table><tr><th>Package</th><td>/tmp/out/web.tgz</td></tr></table>\n`,
      /a path on the runner/,
    ],
    [`${verdict}<details><summary>x</summary><p>y</p>\n`, /unclosed: <details>/],
    [`${verdict}<p><strong>x</p></strong>\n`, /<\/p> closes <strong>/],
  ])('%s is a problem', (html, problem) => {
    expect(checkSummary(html).join('\n')).toMatch(problem);
  });

  test('a journal from before step titles still names its steps in words', () => {
    expect(stepTitle({ name: 'plan-unavailable:source' })).toBe('Plan unavailable (source)');
    expect(stepTitle({ name: 'switch-pointer' })).toBe('Switch pointer');
    expect(stepTitle({ name: 'copy:source-to-target', title: 'Copy the data of a into b' })).toBe(
      'Copy the data of a into b',
    );
  });
});
