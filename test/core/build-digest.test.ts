import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDigest, ignorePatterns } from '../../core/build-digest.ts';

const folders: string[] = [];

/** A context folder holding `files` (path → content), in the order given. */
function context(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'modeshift-digest-'));
  folders.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const APP = {
  Dockerfile: 'FROM node:22\nCOPY . .\n',
  'server.js': 'listen(80)\n',
  'lib/db.js': 'connect()\n',
};

describe('the digest of a build', () => {
  it('is the same for the same files, whatever their order or modification times', () => {
    const first = context(APP);
    const second = context(Object.fromEntries(Object.entries(APP).reverse()));
    utimesSync(join(second, 'server.js'), new Date('2001-01-01'), new Date('2001-01-01'));

    expect(buildDigest({ context: second }).digest).toBe(buildDigest({ context: first }).digest);
    expect(buildDigest({ context: first }).imageTag).toMatch(/^src-[0-9a-f]{24}$/);
  });

  it('changes with a file’s content, its name, its executable bit, a link’s target and an empty folder', () => {
    const base = buildDigest({ context: context(APP) }).digest;
    const changed = context({ ...APP, 'server.js': 'listen(8080)\n' });
    const renamed = context({
      Dockerfile: APP.Dockerfile,
      'index.js': APP['server.js'],
      'lib/db.js': APP['lib/db.js'],
    });
    const executable = context(APP);
    chmodSync(join(executable, 'server.js'), 0o755);
    const linked = context(APP);
    symlinkSync('server.js', join(linked, 'main.js'));
    const relinked = context(APP);
    symlinkSync('lib/db.js', join(relinked, 'main.js'));
    const folder = context(APP);
    mkdirSync(join(folder, 'uploads'));

    const digests = [changed, renamed, executable, linked, relinked, folder].map(
      (path) => buildDigest({ context: path }).digest,
    );

    expect(new Set([base, ...digests]).size).toBe(7);
  });

  it('changes with the build args, the config args, the target and the Dockerfile', () => {
    const path = context({ ...APP, 'Dockerfile.prod': 'FROM node:22-slim\n' });
    const base = buildDigest({ context: path, args: { A: '1', B: '2' } }).digest;

    expect(buildDigest({ context: path, args: { B: '2', A: '1' } }).digest).toBe(base);
    const variants = [
      buildDigest({ context: path, args: { A: '1', B: '3' } }),
      buildDigest({ context: path, args: { A: '1', B: '2', C: '' } }),
      buildDigest({ context: path, args: { A: '1', B: '2' }, configArgs: ['NPM_TOKEN'] }),
      buildDigest({ context: path, args: { A: '1', B: '2' }, target: 'runtime' }),
      buildDigest({ context: path, args: { A: '1', B: '2' }, dockerfile: 'Dockerfile.prod' }),
    ].map((result) => result.digest);
    expect(new Set([base, ...variants]).size).toBe(6);
  });

  it('covers a Dockerfile outside the context by its content', () => {
    const project = context({ 'docker/web.Dockerfile': 'FROM nginx\n', 'web/index.html': '<h1>hi</h1>\n' });
    const before = buildDigest({ context: join(project, 'web'), dockerfile: '../docker/web.Dockerfile' });
    writeFileSync(join(project, 'docker/web.Dockerfile'), 'FROM nginx:alpine\n');
    const after = buildDigest({ context: join(project, 'web'), dockerfile: '../docker/web.Dockerfile' });

    expect(before.entries).toEqual(['index.html']);
    expect(after.digest).not.toBe(before.digest);
  });
});

describe('what .dockerignore leaves out, as Docker does', () => {
  it('leaves out what the patterns match and keeps exceptions, so ignored files do not change the digest', () => {
    const path = context({
      ...APP,
      '.dockerignore': '# build output\nnode_modules\n*.log\n!keep.log\n**/*.tmp\n.git\n',
      'node_modules/left-pad/index.js': 'pad()\n',
      'debug.log': 'noise\n',
      'keep.log': 'kept\n',
      'lib/cache.tmp': 'x\n',
      'lib/sub/debug.log': 'nested: *.log matches only at the root\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    const result = buildDigest({ context: path });

    expect(result.entries).toEqual([
      '.dockerignore',
      'Dockerfile',
      'keep.log',
      'lib/',
      'lib/db.js',
      'lib/sub/',
      'lib/sub/debug.log',
      'server.js',
    ]);
    expect(result.ignoreFile).toBe('.dockerignore');
    writeFileSync(join(path, 'node_modules/left-pad/index.js'), 'changed()\n');
    writeFileSync(join(path, 'debug.log'), 'more noise\n');
    expect(buildDigest({ context: path }).digest).toBe(result.digest);
    writeFileSync(join(path, 'keep.log'), 'changed\n');
    expect(buildDigest({ context: path }).digest).not.toBe(result.digest);
  });

  it('walks into an ignored folder for an exception inside it', () => {
    const path = context({
      ...APP,
      '.dockerignore': 'docs\n!docs/openapi.yaml\n',
      'docs/guide.md': 'words\n',
      'docs/openapi.yaml': 'openapi: 3.1.0\n',
    });

    expect(buildDigest({ context: path }).entries).toContain('docs/openapi.yaml');
    expect(buildDigest({ context: path }).entries).not.toContain('docs/guide.md');
  });

  it('always sends the Dockerfile and the ignore file, even when a pattern matches them', () => {
    const path = context({ ...APP, '.dockerignore': 'Dockerfile\n.dockerignore\n*.js\n' });

    expect(buildDigest({ context: path }).entries).toEqual([
      '.dockerignore',
      'Dockerfile',
      'lib/',
      'lib/db.js',
    ]);
  });

  it('reads <Dockerfile>.dockerignore beside the Dockerfile before the context’s .dockerignore', () => {
    const path = context({
      ...APP,
      'Dockerfile.prod': 'FROM node:22\n',
      'Dockerfile.prod.dockerignore': 'lib\n',
      '.dockerignore': 'server.js\n',
    });

    const prod = buildDigest({ context: path, dockerfile: 'Dockerfile.prod' });
    const plain = buildDigest({ context: path });

    expect(prod.ignoreFile).toBe('Dockerfile.prod.dockerignore');
    expect(prod.entries).toContain('server.js');
    expect(prod.entries).not.toContain('lib/db.js');
    expect(plain.ignoreFile).toBe('.dockerignore');
    expect(plain.entries).not.toContain('server.js');
    expect(plain.entries).toContain('lib/db.js');
  });

  it('reads comments and blank lines as nothing', () => {
    expect(ignorePatterns('# comment\n\n  node_modules  \r\n!keep\n')).toEqual(['node_modules', '!keep']);
  });
});
