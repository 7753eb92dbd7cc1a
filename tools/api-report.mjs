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
// An application on memory:// must not need a broker client's or an optional integration's types.
const rootReport = readFileSync(join(reportFolder, 'nestjs-message-bus.api.md'), 'utf8');
for (const heavy of ['ioredis', 'amqplib', '@nestjs/terminus', '@opentelemetry/', "'ws'", 'pg', '@nats-io/']) {
  if (rootReport.includes(`from '${heavy.replaceAll("'", '')}`)) {
    failed += 1;
    console.error(`the root entry point's types import ${heavy}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
