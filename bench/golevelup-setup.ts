// @golevelup/nestjs-rabbitmq 9 peers on Nest 11, which cannot load into the bench's Nest 12
// node_modules. bench/golevelup/ is a package of its own (exact pins and a lockfile), installed
// here when missing; its peer file is compiled into bench/golevelup/build/, next to that
// node_modules, so that everything it loads resolves there. Both folders are ignored by git.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { installedVersion } from './versions.js';

const FOLDER = fileURLToPath(new URL('../../bench/golevelup/', import.meta.url));
const INSTALLED = `${FOLDER}node_modules/.package-lock.json`;

/** The compiled peer (loaded in its own child process). */
export const GOLEVELUP_PEER = new URL('../../bench/golevelup/build/golevelup/golevelup.peer.js', import.meta.url);

/** Versions installed in bench/golevelup (for the results), or nothing before the first install. */
export function golevelupVersions(): Record<string, string> {
  if (!existsSync(INSTALLED)) return {};
  const version = (name: string): string => installedVersion(FOLDER, name);
  return {
    '@golevelup/nestjs-rabbitmq': version('@golevelup/nestjs-rabbitmq'),
    '@nestjs/core (golevelup)': version('@nestjs/core'),
    'amqplib (golevelup)': version('amqplib'),
    'amqp-connection-manager (golevelup)': version('amqp-connection-manager'),
  };
}

/**
 * Installs bench/golevelup from its lockfile if it has no node_modules yet (`npm ci`), then
 * compiles its peer. Returns why it could not, or nothing when the peer is ready.
 */
export function prepareGolevelup(): string | undefined {
  try {
    if (!existsSync(INSTALLED)) {
      console.log('bench/golevelup has no node_modules: npm ci --prefix bench/golevelup');
      execFileSync('npm', ['ci', '--prefix', FOLDER, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    }
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', `${FOLDER}tsconfig.json`], { stdio: 'inherit' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
