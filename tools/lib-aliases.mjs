// The package's own import names (`nestjs-message-bus`, `nestjs-message-bus/redis`, ...) mapped to
// their sources in lib/, read from tsconfig.json's `paths` so that tsc, vitest and the fixture
// runner resolve them one way.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Vite aliases for every `paths` entry of `<root>/tsconfig.json`, most specific first. */
export function libAliases(root) {
  const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions;
  return Object.entries(paths)
    .sort(([a], [b]) => b.length - a.length)
    .map(([name, [target]]) => ({ find: new RegExp(`^${name.replaceAll('/', '\\/')}$`), replacement: join(root, target) }));
}
