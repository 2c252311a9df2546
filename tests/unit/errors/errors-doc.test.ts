/** docs/ERRORS.md and the error table must say the same, in both directions (STYLE.md §3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorTable } from '../../../src/errors/index.js';
import { repoRoot } from '../../helpers/server.js';

function docRows(): Map<string, { status: number; obsCode: string; message: string }> {
  const text = readFileSync(join(repoRoot, 'docs', 'ERRORS.md'), 'utf8');
  const rows = new Map<string, { status: number; obsCode: string; message: string }>();
  for (const line of text.split('\n')) {
    const m = /^\| `([^`]+)` \| (\d{3}) \| (`[^`]*`|—) \| (.*) \|$/.exec(line);
    if (!m) continue;
    rows.set(m[1]!, { status: Number(m[2]), obsCode: m[3] === '—' ? '' : m[3]!.slice(1, -1), message: m[4]!.replace(/\\\|/g, '|') });
  }
  return rows;
}

test('every table entry is documented with its status, OBS code and message', () => {
  const rows = docRows();
  for (const [name, entry] of Object.entries(errorTable)) {
    const row = rows.get(name);
    assert.ok(row, `${name} missing from docs/ERRORS.md`);
    assert.equal(row.status, entry.status, name);
    assert.equal(row.obsCode, (entry as { obsCode?: string }).obsCode ?? '', name);
    assert.equal(row.message, entry.message, name);
  }
});

test('docs/ERRORS.md documents no error the table lacks', () => {
  for (const name of docRows().keys()) assert.ok(name in errorTable, `${name} is documented but not in the table`);
});
