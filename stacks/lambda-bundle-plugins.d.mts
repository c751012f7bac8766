import type { Plugin } from 'esbuild';

export function literalSchemaKeys(source: string): string;
export const literalSchemaKeysPlugin: Plugin;
export const ENV_CREDENTIALS_MODULE: string;
export const envCredentialsPlugin: Plugin;
export function builtInOnUse(name: string): Promise<string>;
export const builtInsOnUsePlugin: Plugin;
declare const plugins: Plugin[];
export default plugins;
