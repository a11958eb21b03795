import { ConfigurationError } from './errors.js';

/**
 * `{{ Name }}` placeholders in URLs, headers and bodies of smoke and statistics checks. Names
 * are stack outputs; `{{ env.NAME }}` reads an environment variable, which is how a workflow
 * hands a secret (`env: TOKEN: ${{ secrets.TOKEN }}`) to a check without writing it in a file.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^(env\.)?[A-Za-z0-9_.:-]+$/;

export interface PlaceholderValues {
  /** Stack outputs by name; `undefined` when no stack (nor `outputs` input) was given. */
  outputs: Record<string, string> | undefined;
  env: NodeJS.ProcessEnv;
}

/** Every placeholder name in `text`, in order; a malformed one is a configuration error. */
export function placeholdersIn(text: string, source: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, name = ''] = match;
    if (!NAME.test(name)) {
      throw new ConfigurationError(
        `'${whole}' is not a placeholder: write {{ OutputName }} or {{ env.VARIABLE }}`,
        source,
      );
    }
    names.push(name);
  }
  return names;
}

function available(outputs: Record<string, string> | undefined): string {
  if (outputs === undefined) {
    return 'no stack outputs were given (set stack-name, environment or outputs)';
  }
  const names = Object.keys(outputs).sort();
  return names.length > 0 ? `outputs that exist: ${names.join(', ')}` : 'the stack has no outputs';
}

/**
 * Checks that every placeholder in `text` can be filled, without filling it. Used before any
 * AWS call, against the outputs a template declares.
 */
export function checkPlaceholders(
  text: string,
  outputNames: readonly string[] | undefined,
  source: string,
): void {
  for (const name of placeholdersIn(text, source)) {
    if (name.startsWith('env.')) continue;
    if (outputNames !== undefined && !outputNames.includes(name)) {
      const fake = Object.fromEntries(outputNames.map((output) => [output, '']));
      throw new ConfigurationError(`unknown placeholder {{ ${name} }}; ${available(fake)}`, source);
    }
  }
}

function unset(name: string, variable: string, source: string): ConfigurationError {
  return new ConfigurationError(
    `{{ ${name} }} names environment variable ${variable}, which is not set (pass it with the step's env:)`,
    source,
  );
}

/**
 * Refuses a `{{ env.NAME }}` whose variable is not set, without filling anything in: run before
 * the first AWS request, so a step that cannot make its checks changes nothing (takes no lock).
 */
export function checkEnvironmentPlaceholders(
  text: string,
  env: NodeJS.ProcessEnv,
  source: string,
): void {
  for (const name of placeholdersIn(text, source)) {
    if (name.startsWith('env.') && env[name.slice(4)] === undefined) {
      throw unset(name, name.slice(4), source);
    }
  }
}

/**
 * Fills `text`'s placeholders. A value read from the environment is masked (`mask`) before it
 * is used: that is how secrets reach a URL, a header or a body (`?key={{ env.TOKEN }}`), and
 * nothing tells a secret from another variable. Stack outputs are not masked.
 */
export function renderPlaceholders(
  text: string,
  values: PlaceholderValues,
  source: string,
  mask: (secret: string) => void,
): string {
  placeholdersIn(text, source);
  return text.replace(PLACEHOLDER, (_whole, raw: string) => {
    const name = raw.trim();
    if (name.startsWith('env.')) {
      const variable = name.slice(4);
      const value = values.env[variable];
      if (value === undefined) throw unset(name, variable, source);
      mask(value);
      return value;
    }
    const value = values.outputs?.[name];
    if (value === undefined) {
      throw new ConfigurationError(
        `unknown placeholder {{ ${name} }}; ${available(values.outputs)}`,
        source,
      );
    }
    return value;
  });
}

/**
 * Fills header templates and masks every filled-in value before it is used: these headers
 * carry credentials (admin tokens for statistics and maintenance calls).
 */
export function renderMaskedHeaders(
  templates: Record<string, string>,
  values: PlaceholderValues,
  input: string,
  mask: (secret: string) => void,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    const value = renderPlaceholders(template, values, `input '${input}' (${name})`, mask);
    maskCredential(value, mask);
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * Masks a credential header's value and the parts a service may echo alone: the credentials
 * after an auth scheme (`Bearer TOKEN` → TOKEN) and, for Basic, the decoded `user:password`
 * and the password.
 */
export function maskCredential(value: string, mask: (secret: string) => void): void {
  mask(value);
  const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S.*)$/.exec(value.trim());
  if (!scheme) return;
  const [, kind = '', rest = ''] = scheme;
  const credentials = rest.trim();
  mask(credentials);
  if (kind.toLowerCase() === 'basic' && /^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      mask(decoded);
      mask(decoded.slice(colon + 1));
    }
  }
}
