import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('./check.mjs', import.meta.url));

it("type-checks every ts block of README.md under the Nest CLI template's compiler options", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [CHECK], { encoding: 'utf8' }).catch((error: { stdout: string; stderr: string }) => {
    throw new Error(`${error.stderr}${error.stdout}`);
  });
  expect(stdout).toMatch(/^README examples: \d+ ts blocks type-check/);
}, 180_000);
