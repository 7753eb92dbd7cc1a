import { readFileSync } from 'node:fs';

/** The `version` of the package.json at `path`. */
export function manifestVersion(path: string): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string'
      ? manifest.version
      : 'unknown';
  } catch {
    return 'not installed';
  }
}

/** The version of package `name` installed in `folder`/node_modules (not every package exports its package.json). */
export function installedVersion(folder: string, name: string): string {
  return manifestVersion(`${folder}/node_modules/${name}/package.json`);
}
