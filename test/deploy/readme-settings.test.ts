/**
 * README.md's "Settings" table documents every setting of src/config/config.ts, with its default, and
 * nothing that is not one: a setting added without a row (or renamed) fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../../src/config/config.ts';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The rows of the table in the `## Settings` section: variable → default cell. */
function settingsTable(): Map<string, string> {
  const section = /^## Settings\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(README);
  assert.ok(section, 'README.md has no "## Settings" section');
  const rows = new Map<string, string>();
  for (const line of section[1]!.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (name) rows.set(name, cells[1] ?? '');
  }
  return rows;
}

const rows = settingsTable();
const schema = ConfigSchema.properties as Record<string, { default?: unknown }>;

test('every setting of ConfigSchema has a row in README.md "Settings"', () => {
  const missing = Object.keys(schema).filter((key) => !rows.has(key));
  assert.deepEqual(missing, [], `README.md "Settings" lacks ${missing.join(', ')}`);
});

test('every row of README.md "Settings" is a setting of ConfigSchema', () => {
  const unknown = [...rows.keys()].filter((key) => !(key in schema));
  assert.deepEqual(unknown, [], `README.md "Settings" documents variables Kiln does not read: ${unknown.join(', ')}`);
});

test('the default column says the default of ConfigSchema', () => {
  for (const [key, property] of Object.entries(schema)) {
    const cell = rows.get(key);
    if (cell === undefined) continue; // reported by the first test
    if (property.default === undefined) {
      assert.match(cell, /^\(none/, `${key} has no default; its row says ${cell}`);
    } else {
      assert.ok(
        cell.includes(`\`${String(property.default)}\``),
        `${key}: the default is ${String(property.default)}; its row says ${cell}`,
      );
    }
  }
});
