// The public surface, one API Extractor report per `exports` entry, in api/<entry>.api.md.
// `node tools/api-report.mjs` checks the built d.ts against the committed reports (CI);
// `--update` rewrites them after an intended change, so the change shows in review.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const reportFolder = join(root, 'api');
mkdirSync(reportFolder, { recursive: true });

let failed = 0;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object' || target.types === undefined) continue;
  const name = subpath === '.' ? 'nestjs-message-bus' : `nestjs-message-bus-${subpath.slice(2).replaceAll('/', '-')}`;
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, target.types),
      compiler: { tsconfigFilePath: join(root, 'tsconfig.build.json') },
      apiReport: { enabled: true, reportFileName: `${name}.api.md`, reportFolder, reportTempFolder: join(root, 'build/api') },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // `@publicApi` is Nest's tag; the report is about shape, not doc comments.
        tsdocMessageReporting: { default: { logLevel: 'none' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none' },
          'ae-undocumented': { logLevel: 'none' },
          'ae-unresolved-link': { logLevel: 'none' },
        },
        compilerMessageReporting: { default: { logLevel: 'warning' } },
      },
    },
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
  if (!result.succeeded || (!update && result.apiReportChanged)) {
    failed += 1;
    console.error(`${subpath}: the public API differs from api/${name}.api.md (run \`npm run api:update\` and commit it)`);
  }
}
// An application on memory:// must not need a broker client's or an optional integration's types:
// the root d.ts, and every d.ts it reaches through relative imports, names none of them.
const heavy = /^(ioredis|amqplib|@nestjs\/terminus|@opentelemetry\/|ws|pg|@nats-io\/)(\/|$)/;
const specifier = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;
const seen = new Set();
const pending = [join(root, pkg.exports['.'].types)];
while (pending.length > 0) {
  const file = pending.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  for (const [, name] of readFileSync(file, 'utf8').matchAll(specifier)) {
    if (name.startsWith('.')) pending.push(join(dirname(file), name.replace(/\.js$/, '.d.ts')));
    else if (heavy.test(name)) {
      failed += 1;
      console.error(`the root entry point's types import ${name} (in ${file.slice(root.length + 1)})`);
    }
  }
}
if (failed === 0) console.log(`root types: ${seen.size} d.ts files, none importing a broker client or an optional integration`);
process.exit(failed === 0 ? 0 : 1);
