import { crc32 } from 'node:zlib';
import { ConfigurationError } from '../core/errors.js';

export interface ZipEntry {
  /** Path inside the archive, forward slashes, no leading slash. */
  name: string;
  data: Buffer;
  /** Kept as 0755 or 0644 only: an executable bit is what a Lambda bootstrap needs. */
  executable: boolean;
}

// MS-DOS date 1980-01-01 00:00:00, the earliest a zip can hold: no build time leaks in.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;
const VERSION = 20;
const MADE_BY_UNIX = (3 << 8) | VERSION;
// Without ZIP64 a count and every offset must fit in 16 and 32 bits.
const MAX_ENTRIES = 0xffff;
const MAX_BYTES = 0xffffffff;

/**
 * Why a name cannot be a zip entry, or nothing when it can. A backslash is a folder separator
 * to Windows tools and to some unzippers (`..\\..\\tmp\\evil.sh` climbs out of the folder it is
 * unpacked in); a drive letter is an absolute path there; a control character hides what the
 * name is. Such a file is refused rather than packed.
 */
export function zipNameProblem(name: string): string | undefined {
  if (name.includes('\\')) return 'it holds a backslash, a folder separator to Windows tools';
  if (/^[A-Za-z]:/.test(name)) return 'it starts with a drive letter';
  if (name.startsWith('/')) return 'it is an absolute path';
  if (name.split('/').some((part) => part === '..' || part === '.')) {
    return "it has a '..' or '.' part";
  }
  for (const character of name) {
    const point = character.charCodeAt(0);
    if (point < 0x20 || point === 0x7f) return 'it holds a control character';
  }
  return undefined;
}

/**
 * A zip of `entries` that is the same bytes for the same files on any runner: entries sorted by
 * name, one fixed timestamp, modes reduced to 0644/0755, no extra fields. Entries are stored
 * rather than deflated because a deflate stream depends on the zlib build of the Node.js that
 * ran it, and a digest that changes with the runner would make a rebuilt package a different
 * package. Lambda's 250 MB limit counts unzipped bytes, so storing costs no headroom there.
 */
export function reproducibleZip(entries: ZipEntry[], source: string): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length > MAX_ENTRIES) {
    throw new ConfigurationError(
      `holds ${sorted.length.toLocaleString('en-US')} files; a package zips at most ${MAX_ENTRIES.toLocaleString('en-US')} (no ZIP64)`,
      source,
    );
  }
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  let previous: string | undefined;
  for (const entry of sorted) {
    const problem = zipNameProblem(entry.name);
    if (problem) {
      throw new ConfigurationError(
        `holds a file named ${JSON.stringify(entry.name)}: ${problem}; rename it`,
        source,
      );
    }
    if (entry.name === previous) {
      throw new Error(`Two zip entries named ${entry.name}.`);
    }
    previous = entry.name;
    const name = Buffer.from(entry.name, 'utf8');
    const checksum = crc32(entry.data);
    const size = entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(size, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    // Extra, comment, disk and internal attributes stay 0.
    const mode = entry.executable ? 0o100755 : 0o100644;
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + size;
    if (offset > MAX_BYTES) {
      throw new ConfigurationError(
        'is over 4 GiB; a package zips at most 4 GiB (no ZIP64), far over what Lambda accepts',
        source,
      );
    }
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
