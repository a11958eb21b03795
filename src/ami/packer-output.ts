/**
 * Packer's `-machine-readable` output: one record per line, `timestamp,target,type,data...`.
 * Packer escapes each field on its own: a comma inside a field becomes `%!(PACKER_COMMA)`, a
 * newline the two characters `\n`, a carriage return `\r`. Splitting on commas is therefore
 * safe, and unescaping happens per field afterwards.
 */
export interface PackerRecord {
  timestamp: number;
  /** The build ("amazon-ebs", "null.x"); empty for messages about the whole run. */
  target: string;
  type: string;
  data: string[];
}

export function unescapeField(field: string): string {
  return field
    .replace(/%!\(PACKER_COMMA\)/g, ',')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r');
}

/** A record, or `undefined` for a line that is not machine-readable (a plugin's stray print). */
export function parseRecord(line: string): PackerRecord | undefined {
  const match = /^(\d+),([^,]*),([^,]+)(?:,(.*))?$/.exec(line.replace(/\r$/, ''));
  if (!match) return undefined;
  // Groups 1 to 3 are not optional: a match has them.
  const [, timestamp = '', target = '', type = '', rest] = match;
  return {
    timestamp: Number(timestamp),
    target: unescapeField(target),
    type,
    data: rest === undefined ? [] : rest.split(',').map(unescapeField),
  };
}

/** Cuts a byte stream into whole lines; a partial last line waits for the next chunk. */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    // split returns at least one element: the text after the last newline, maybe ''.
    this.pending = lines.pop() ?? '';
    return lines;
  }

  flush(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

export interface PackerArtifact {
  target: string;
  index: number;
  builderId: string | undefined;
  id: string | undefined;
  description: string | undefined;
}

export interface AmiArtifact {
  /** The build that made it. */
  target: string;
  region: string;
  imageId: string;
}

/** What one record means for the log. */
export type PackerEvent =
  | { kind: 'say'; text: string }
  | { kind: 'message'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'other'; text: string };

/** Packer's own summary lines that repeat an error already reported, or carry none. */
const ERROR_HEADERS = [/^Some builds didn't complete successfully and had errors:$/];
const BUILD_ERRORED = /^Build '([^']+)' errored after [^:]+: ([\s\S]*)$/;
const ARROW = /^(?:==>|-->)\s+/;

/** The text of an error as a reader wants it once: no arrows, no "errored after 5 ms". */
export function normalizeError(text: string): string | undefined {
  const trimmed = text.trim().replace(ARROW, '').trim();
  if (trimmed === '' || ERROR_HEADERS.some((header) => header.test(trimmed))) return undefined;
  const errored = BUILD_ERRORED.exec(trimmed);
  if (errored) return `${errored[1]}: ${(errored[2] ?? '').trim()}`;
  return trimmed;
}

/**
 * Reads the records of one `packer build` or `packer validate` as they arrive: the messages to
 * print, the artifacts (de-duplicated: Packer reports an artifact again for every
 * post-processor that passes it through), and the errors (de-duplicated: Packer repeats each
 * failure in the build line, the error record and the final summary).
 */
/** What an AWS builder said it created for the build alone, and whether it said it removed it. */
export interface TemporaryResource {
  kind: 'instance' | 'key pair' | 'security group';
  id: string;
  removed: boolean;
}

/** The amazon-* builders' messages for creating a temporary resource, and for removing it. */
const TEMPORARY: {
  kind: TemporaryResource['kind'];
  created: RegExp;
  removed: RegExp;
}[] = [
  {
    kind: 'instance',
    created: /Instance ID: (i-[0-9a-f]+)/,
    removed: /Terminating the source AWS instance/,
  },
  {
    kind: 'key pair',
    created: /Creating temporary keypair: (\S+)/,
    removed: /Deleting temporary keypair/,
  },
  {
    kind: 'security group',
    created: /Creating temporary security group for this instance: (\S+)/,
    removed: /Deleting temporary security group/,
  },
];

export class PackerOutput {
  private readonly artifactMap = new Map<string, PackerArtifact>();
  private readonly errorSet = new Set<string>();
  private readonly temporary: TemporaryResource[] = [];
  private errorCount = 0;

  /** The temporary resources the build created, as Packer reported them. */
  temporaryResources(): TemporaryResource[] {
    return this.temporary.map((resource) => ({ ...resource }));
  }

  private noteTemporary(text: string): void {
    for (const { kind, created, removed } of TEMPORARY) {
      const id = created.exec(text)?.[1];
      if (id !== undefined) this.temporary.push({ kind, id, removed: false });
      if (removed.test(text)) {
        for (const resource of this.temporary) if (resource.kind === kind) resource.removed = true;
      }
    }
  }

  accept(record: PackerRecord): PackerEvent {
    if (record.type === 'ui') {
      const [level = 'say', text = ''] = record.data;
      this.noteTemporary(text);
      if (level === 'error') {
        this.addError(text);
        return { kind: 'error', text };
      }
      return { kind: level === 'message' ? 'message' : 'say', text };
    }
    if (record.type === 'artifact') this.addArtifact(record);
    else if (record.type === 'error') this.addError(`${record.target}: ${record.data.join(',')}`);
    else if (record.type === 'error-count') this.errorCount = Number(record.data[0] ?? 0);
    return { kind: 'other', text: [record.target, record.type, ...record.data].join(' ') };
  }

  private addError(text: string): void {
    const normalized = normalizeError(text);
    if (normalized !== undefined) this.errorSet.add(normalized);
  }

  private addArtifact(record: PackerRecord): void {
    const [indexText, key, ...values] = record.data;
    const index = Number(indexText);
    if (!Number.isInteger(index) || key === undefined) return;
    const mapKey = `${record.target}\u0000${index}`;
    const artifact = this.artifactMap.get(mapKey) ?? {
      target: record.target,
      index,
      builderId: undefined,
      id: undefined,
      description: undefined,
    };
    const value = values.join(',');
    if (key === 'builder-id') artifact.builderId = value;
    else if (key === 'id') artifact.id = value;
    else if (key === 'string') artifact.description = value;
    this.artifactMap.set(mapKey, artifact);
  }

  artifacts(): PackerArtifact[] {
    return [...this.artifactMap.values()];
  }

  /** Distinct error messages, in the order Packer first reported them. */
  errors(): string[] {
    return [...this.errorSet];
  }

  /** Packer's own count of failed builds (0 when it reported none). */
  failedBuilds(): number {
    return this.errorCount;
  }
}

/**
 * The AMIs among the artifacts. An amazon builder's artifact id lists every region it wrote
 * to: `us-east-1:ami-1,eu-west-1:ami-2`. Each AMI appears once however often it was reported.
 */
export function amiArtifacts(artifacts: PackerArtifact[]): AmiArtifact[] {
  const seen = new Map<string, AmiArtifact>();
  for (const artifact of artifacts) {
    if (!artifact.id) continue;
    for (const part of artifact.id.split(',')) {
      const match = /^\s*([a-z]{2}(?:-[a-z]+)+-\d+):(ami-[0-9a-f]+)\s*$/.exec(part);
      if (!match) continue;
      const [, region = '', imageId = ''] = match;
      const key = `${region}:${imageId}`;
      if (!seen.has(key)) seen.set(key, { target: artifact.target, region, imageId });
    }
  }
  return [...seen.values()];
}
