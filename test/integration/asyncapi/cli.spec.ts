import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SAMPLE_EXAMPLE } from './sample-example.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Its own build of the library and the sample, so dist/ and build/sample stay as they are.
const OUT = fileURLToPath(new URL('../../../build/asyncapi-cli-test/', import.meta.url));
const BUILD_TIMEOUT_MS = 240_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [`${OUT}lib/cli/main.js`, ...args], { cwd: OUT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * Compiles the sample with the library's sources beside it, and gives that output the package's
 * name and version: the sample's `nestjs-message-bus` imports then resolve to it, as an
 * application's resolve to the installed package.
 */
async function buildPackage(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const manifest = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { version: string; exports: Record<string, unknown>; bin: Record<string, string> };
  const exports = JSON.parse(JSON.stringify(manifest.exports).replaceAll('./dist/', './lib/')) as Record<string, unknown>;
  await writeFile(`${OUT}package.json`, JSON.stringify({ name: 'nestjs-message-bus', version: manifest.version, type: 'module', exports }));
  await writeFile(
    `${OUT}tsconfig.json`,
    JSON.stringify({
      extends: '../../tsconfig.app.json',
      compilerOptions: { outDir: '.', sourceMap: false, paths: { 'nestjs-message-bus': ['../../lib/index.ts'], 'nestjs-message-bus/*': ['../../lib/*/index.ts'] } },
      include: ['../../sample', '../../lib/cli/main.ts'],
    }),
  );
  await run(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${OUT}tsconfig.json`], { cwd: ROOT });
  expect(manifest.bin).toEqual({ 'nestjs-message-bus': './dist/cli/main.js' });
}

describe('npx nestjs-message-bus asyncapi', () => {
  beforeAll(buildPackage, BUILD_TIMEOUT_MS);
  afterAll(() => rm(OUT, { recursive: true, force: true }));

  it('writes the sample\'s document as committed in docs/examples', async () => {
    const result = await cli('asyncapi', '--module', 'sample/app.module.js');

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(await readFile(SAMPLE_EXAMPLE, 'utf8'));
  });

  it('writes JSON, titled and versioned as asked', async () => {
    const result = await cli('asyncapi', '--module', 'sample/app.module.js', '--format', 'json', '--title', 'Assistant', '--app-version', '1.2.3');

    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as { info: object };
    expect(document).toEqual({ ...parse(await readFile(SAMPLE_EXAMPLE, 'utf8')), info: expect.any(Object) });
    expect(document.info).toMatchObject({ title: 'Assistant', version: '1.2.3', 'x-service-name': 'voice-assistant' });
  });

  it('exits 2 with the usage for a missing module option or export, 1 for a module that fails to load', async () => {
    const missing = await cli('asyncapi');
    const wrongExport = await cli('asyncapi', '--module', 'sample/app.module.js', '--export', 'ShopModule');
    const broken = await cli('asyncapi', '--module', 'sample/nowhere.js');

    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^--module <file> is required\n\nUsage: nestjs-message-bus asyncapi/);
    expect(wrongExport).toMatchObject({ code: 2, stdout: '' });
    expect(wrongExport.stderr).toContain('sample/app.module.js exports no "ShopModule" (it exports AppModule)');
    expect(broken).toMatchObject({ code: 1, stdout: '' });
    expect(broken.stderr).toContain('ERR_MODULE_NOT_FOUND');
  });
});
