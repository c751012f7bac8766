import type { Command } from 'commander';
import { MODE_POLICIES, MODES, SETTING_LABELS, SETTING_NAMES } from '../../core/policy.ts';
import type { Io } from '../io.ts';
import { renderTable, showValue } from '../table.ts';

/** The policy table as `modes --json` prints it: `{ development: {...}, staging: {...}, production: {...} }`. */
export function modesJson() {
  return Object.fromEntries(MODES.map((mode) => [mode, { ...MODE_POLICIES[mode] }]));
}

export function renderModesTable(): string {
  return renderTable(
    ['setting', 'key', ...MODES],
    SETTING_NAMES.map((name) => [
      SETTING_LABELS[name],
      name,
      ...MODES.map((mode) => showValue(MODE_POLICIES[mode][name])),
    ]),
  );
}

export function registerModes(program: Command, io: Io) {
  program
    .command('modes')
    .description('print the mode policy table: every setting of every mode')
    .option('--json', 'print the table as JSON')
    .action((options: { json?: boolean }) => {
      io.stdout(options.json ? `${JSON.stringify(modesJson(), null, 2)}\n` : `${renderModesTable()}\n`);
    });
}
