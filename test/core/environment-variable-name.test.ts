import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_VARIABLE_NAME,
  notAnEnvironmentVariableName,
} from '../../core/environment-variable-name.ts';

describe('environment variable names', () => {
  it('are letters, digits and underscores, not starting with a digit', () => {
    for (const name of ['API_KEY', '_private2', 'a']) expect(ENVIRONMENT_VARIABLE_NAME.test(name)).toBe(true);
    for (const name of ['api-key', '2FA', 'A/B', ''])
      expect(ENVIRONMENT_VARIABLE_NAME.test(name)).toBe(false);
  });

  it('says which value is not one', () => {
    expect(notAnEnvironmentVariableName('api-key')).toBe(
      `"api-key" is not an environment variable name (letters, digits, '_', not starting with a digit)`,
    );
  });
});
