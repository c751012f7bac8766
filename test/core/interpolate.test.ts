// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose `${VAR}` interpolation is what these tests feed in
import { describe, expect, it } from 'vitest';
import { interpolate, referencedVariables } from '../../core/interpolate.ts';

describe('referencedVariables', () => {
  it.each([
    { text: 'plain text', names: [] },
    { text: '$API_KEY', names: ['API_KEY'] },
    { text: '${API_KEY}', names: ['API_KEY'] },
    { text: 'postgres://${DB_USER}:${DB_PASS}@db/${DB_USER}', names: ['DB_USER', 'DB_PASS'] },
    { text: '${API_KEY:-dev}', names: ['API_KEY'] },
    { text: '${TOKEN:-$API_KEY}', names: ['TOKEN', 'API_KEY'] },
    { text: '${TOKEN:+Bearer ${API_KEY}}', names: ['TOKEN', 'API_KEY'] },
    { text: '${API_KEY:?set it}', names: ['API_KEY'] },
    { text: '$${API_KEY} and $$API_KEY', names: [] },
  ])('finds $names in "$text"', ({ text, names }) => {
    // Act
    const found = referencedVariables(text);

    // Assert
    expect(found).toEqual(names);
  });

  it('names a variable in the branch interpolation does not take', () => {
    // Prepare
    const text = '${TOKEN:-$API_KEY}';

    // Act
    const value = interpolate(text, { TOKEN: 't', API_KEY: 'k' }).value;
    const found = referencedVariables(text);

    // Assert
    expect(value).toBe('t');
    expect(found).toContain('API_KEY');
  });
});
