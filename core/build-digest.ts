/**
 * The content address of a service's image: a SHA-256 of everything that
 * decides what `docker build` makes of it — the context's files that Docker
 * would send (after `.dockerignore`, or `<Dockerfile>.dockerignore` beside the
 * Dockerfile, which wins, as BuildKit reads them), the Dockerfile, the build
 * args, the config values' names read as args, and the target. Neither file
 * order nor modification times change it; a file's content, name, executable
 * bit, a link's target or an empty folder do.
 *
 * `.dockerignore` patterns are matched by @balena/dockerignore, written to
 * follow Docker's own matcher (patterns anchored at the context's root, `**`,
 * `!` exceptions, the last matching pattern deciding). Walking the context
 * and hashing it is done here: no library does both the way Docker selects
 * files.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
} from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';

/**
 * The package is CommonJS (`module.exports = factory`) with types that say `export default`: under
 * NodeNext the default import is the factory at run time, which its types call `.default`.
 */
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

/** Bumped when what goes into the digest changes, so that images are built again. */
const DIGEST_VERSION = 'modeshift-build-digest/1';
/** The image tag is `src-` and this many hex digits of the digest (96 bits). */
const TAG_HEX_DIGITS = 24;
const CHUNK_BYTES = 1024 * 1024;

export interface BuildDigestInput {
  /** The context folder. */
  readonly context: string;
  /** The Dockerfile, relative to the context as compose writes it (it may lie outside). @default "Dockerfile" */
  readonly dockerfile?: string;
  readonly args?: Readonly<Record<string, string>>;
  /** Build args read from config values: their names (the values are read by CodeBuild). */
  readonly configArgs?: readonly string[];
  readonly target?: string;
}

export interface BuildDigest {
  /** SHA-256, 64 hex digits. */
  readonly digest: string;
  /** The image tag: `src-<first 24 hex digits>`. */
  readonly imageTag: string;
  /**
   * What Docker would send, relative to the context with `/` separators, sorted: files, links and
   * folders (a folder is listed only when it is kept; a kept file's folders are created by tar).
   */
  readonly entries: readonly string[];
  /** The ignore file that applied, relative to the context (or absolute when outside it). */
  readonly ignoreFile?: string;
}

const toPosix = (path: string) => path.split(sep).join('/');

/** The ignore file Docker reads for this Dockerfile: `<Dockerfile>.dockerignore` first, then the context's. */
function ignoreFileFor(context: string, dockerfilePath: string): string | undefined {
  for (const candidate of [`${dockerfilePath}.dockerignore`, join(context, '.dockerignore')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The patterns of an ignore file: one a line, `#` lines are comments, blank lines skipped. */
export function ignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** What Docker sends of `context`, given the ignore patterns; the Dockerfile and the ignore file always go. */
function selectEntries(
  context: string,
  patterns: readonly string[],
  alwaysSent: ReadonlySet<string>,
): string[] {
  const matcher = dockerignore().add([...patterns]);
  // With an exception (`!…`), something inside an ignored folder may still be sent: walk into it.
  const hasExceptions = patterns.some((pattern) => pattern.startsWith('!'));
  const entries: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const rel = toPosix(relative(context, path));
      const ignored = matcher.ignores(rel) && !alwaysSent.has(rel);
      if (entry.isDirectory()) {
        if (!ignored) entries.push(`${rel}/`);
        if (!ignored || hasExceptions) walk(path);
      } else if (!ignored) {
        entries.push(rel);
      }
    }
  };
  walk(context);
  return entries.sort();
}

function hashFile(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer))
      hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The digest of a build and what it covers. Reads every file it keeps; changes nothing. */
export function buildDigest(input: BuildDigestInput): BuildDigest {
  const context = resolve(input.context);
  const dockerfilePath = resolve(context, input.dockerfile ?? 'Dockerfile');
  const ignoreFile = ignoreFileFor(context, dockerfilePath);
  const patterns = ignoreFile === undefined ? [] : ignorePatterns(readFileSync(ignoreFile, 'utf8'));
  const inside = (path: string) => {
    const rel = relative(context, path);
    return rel !== '' && !rel.startsWith('..') ? toPosix(rel) : undefined;
  };
  const alwaysSent = new Set(
    [inside(dockerfilePath), ignoreFile === undefined ? undefined : inside(ignoreFile)].filter(
      (path): path is string => path !== undefined,
    ),
  );
  const entries = selectEntries(context, patterns, alwaysSent);

  const lines = [DIGEST_VERSION];
  for (const entry of entries) {
    if (entry.endsWith('/')) {
      lines.push(`dir ${entry}`);
      continue;
    }
    const path = join(context, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) lines.push(`link ${entry} ${readlinkSync(path)}`);
    else if (stat.isFile()) lines.push(`file ${entry} ${stat.mode & 0o111 ? 'x' : '-'} ${hashFile(path)}`);
  }
  lines.push(`dockerfile ${existsSync(dockerfilePath) ? hashFile(dockerfilePath) : 'missing'}`);
  lines.push(`target ${input.target ?? ''}`);
  for (const [name, value] of Object.entries(input.args ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  ))
    lines.push(`arg ${JSON.stringify(name)}=${JSON.stringify(value)}`);
  for (const name of [...(input.configArgs ?? [])].sort()) lines.push(`config-arg ${name}`);

  const digest = createHash('sha256').update(lines.join('\n')).digest('hex');
  return {
    digest,
    imageTag: `src-${digest.slice(0, TAG_HEX_DIGITS)}`,
    entries,
    ...(ignoreFile === undefined ? {} : { ignoreFile: inside(ignoreFile) ?? ignoreFile }),
  };
}
