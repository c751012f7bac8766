/** The engine tests' ASL fixtures and the AWS clients they run against (mocked per test with aws-sdk-client-mock). */
import { readFileSync } from 'node:fs';
import { type ClientFactory, createClientFactory } from '../../engine/clients.ts';

/** A definition from `test/engine/fixtures/`, parsed. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Real SDK clients with fake credentials; tests mock their `send` with `mockClient(XClient)`. */
export function testClients(): ClientFactory {
  return createClientFactory({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** A `${Name}` placeholder token, spelled so that it is not mistaken for a template literal. */
export function placeholder(name: string): string {
  return `\${${name}}`;
}
