// Regenerates the generated parts of README.md from the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { withModesTable } from '../cli/modes-markdown.ts';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withModesTable(before);
writeFileSync(file, after);
process.stdout.write(before === after ? 'README.md is up to date\n' : 'README.md updated\n');
