// Some peers cannot live in the project's node_modules: @golevelup/nestjs-rabbitmq 9 peers on
// Nest 11 (the bench runs Nest 12), and BullMQ pulls optional native packages this registry does
// not serve for every platform, which would make the project's `npm ci` refuse its lockfile.
// bench/isolated/ is a package of its own (exact pins and a lockfile), installed here when
// missing; its peer files are compiled into bench/isolated/build/, next to that node_modules, so
// that everything they load resolves there. Both folders are ignored by git.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { installedVersion } from './versions.js';

const FOLDER = fileURLToPath(new URL('../../bench/isolated/', import.meta.url));
const INSTALLED = `${FOLDER}node_modules/.package-lock.json`;

/** A compiled peer of bench/isolated (loaded in its own child process). */
export function isolatedPeer(name: 'golevelup' | 'bullmq'): URL {
  return new URL(`../../bench/isolated/build/isolated/${name}.peer.js`, import.meta.url);
}

/** Versions installed in bench/isolated (for the results), or nothing before the first install. */
export function isolatedVersions(): Record<string, string> {
  if (!existsSync(INSTALLED)) return {};
  const version = (name: string): string => installedVersion(FOLDER, name);
  return {
    '@golevelup/nestjs-rabbitmq': version('@golevelup/nestjs-rabbitmq'),
    '@nestjs/core (golevelup)': version('@nestjs/core'),
    'amqplib (golevelup)': version('amqplib'),
    'amqp-connection-manager (golevelup)': version('amqp-connection-manager'),
    bullmq: version('bullmq'),
    'ioredis (bullmq)': version('ioredis'),
  };
}

/**
 * Installs bench/isolated from its lockfile if it has no node_modules yet, then compiles its
 * peers. `npm install` rather than `npm ci`: it keeps the locked versions and, unlike `ci`,
 * accepts a lockfile without the platform packages the registry does not serve.
 * Returns why it could not, or nothing when the peers are ready.
 */
export function prepareIsolated(): string | undefined {
  try {
    if (!existsSync(INSTALLED)) {
      console.log('bench/isolated has no node_modules: npm install --prefix bench/isolated');
      execFileSync('npm', ['install', '--prefix', FOLDER, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    }
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', `${FOLDER}tsconfig.json`], { stdio: 'inherit' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
