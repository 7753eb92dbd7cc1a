import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DynamicModule, Type } from '@nestjs/common';
import { asyncApiYaml } from '../asyncapi/asyncapi-yaml.js';
import { describeApplication } from '../asyncapi/describe-application.js';
import { InvalidOptionsError } from '../messages/errors.js';

export const ASYNCAPI_USAGE = `Usage: nestjs-message-bus asyncapi --module <file> [options]

Writes the AsyncAPI 3.0 document of a Nest application to stdout, without connecting its bus.

  --module <file>       the compiled module file, e.g. dist/app.module.js (required)
  --export <name>       the module class exported by that file (default: AppModule)
  --format yaml|json    default: yaml
  --title <text>        the document's title (default: the bus's serviceName)
  --app-version <v>     the version of the application's API (default: 0.0.0)
  --description <text>  a description of the application`;

/** Runs `asyncapi` with its arguments; resolves the document's text. */
export async function asyncApiCommand(args: string[], cwd: string): Promise<string> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      module: { type: 'string' },
      export: { type: 'string', default: 'AppModule' },
      format: { type: 'string', default: 'yaml' },
      title: { type: 'string' },
      'app-version': { type: 'string' },
      description: { type: 'string' },
    },
  });
  if (values.module === undefined) throw new InvalidOptionsError('--module <file> is required');
  if (values.format !== 'yaml' && values.format !== 'json') throw new InvalidOptionsError(`--format must be yaml or json, got "${values.format}"`);
  const exports = (await import(pathToFileURL(resolve(cwd, values.module)).href)) as Record<string, unknown>;
  const module = exports[values.export];
  if (typeof module !== 'function' && (typeof module !== 'object' || module === null)) {
    const names = Object.keys(exports).join(', ') || 'nothing';
    throw new InvalidOptionsError(`${values.module} exports no "${values.export}" (it exports ${names}): name the module with --export`);
  }
  const document = await describeApplication(module as Type<unknown> | DynamicModule, {
    title: values.title,
    version: values['app-version'],
    description: values.description,
  });
  return values.format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : asyncApiYaml(document);
}
