/**
 * Writes the JSON Schemas of the files users write, generated from the schemas the actions
 * read them with, so an editor checks `environment.yml` exactly as the actions will.
 * `npm run schemas` writes them; a test fails when the committed ones are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { definitionSchema } from '../src/definition/definition-schema.js';
import { smokeSchema } from '../src/smoke/checks-schema.js';

const BASE = 'https://raw.githubusercontent.com/your-org/environment-pipeline-actions/v1/schema/';

const FILES = [
  {
    name: 'environment.schema.json',
    title: 'Environment definition (environment.yml)',
    schema: definitionSchema,
  },
  {
    name: 'smoke-checks.schema.json',
    title: "Smoke checks (the checks file of action-smoke-test, or a definition's smoke key)",
    schema: smokeSchema,
  },
];

/** Each schema file's name and text, as committed under `schema/`. */
export function renderSchemas(): Record<string, string> {
  return Object.fromEntries(
    FILES.map(({ name, title, schema }) => {
      // The input side: what a person writes, where a key with a default may be left out.
      const generated = z.toJSONSchema(schema, {
        io: 'input',
        unrepresentable: 'throw',
        // A key read through a transform loses its default on the way; the registry has it.
        override: ({ zodSchema, jsonSchema }) => {
          const fallback = z.globalRegistry.get(zodSchema)?.default;
          if (fallback !== undefined) jsonSchema.default = fallback;
        },
      });
      const document = { ...generated, $id: `${BASE}${name}`, title };
      return [name, `${JSON.stringify(document, null, 2)}\n`];
    }),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema');
  mkdirSync(folder, { recursive: true });
  for (const [name, text] of Object.entries(renderSchemas())) {
    writeFileSync(path.join(folder, name), text);
    console.log(`schema/${name}: ${text.length.toLocaleString('en-US')} bytes`);
  }
}
