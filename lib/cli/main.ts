#!/usr/bin/env node
import { asyncApiCommand, ASYNCAPI_USAGE } from './asyncapi-command.js';
import { InvalidOptionsError } from '../messages/errors.js';

const [command, ...args] = process.argv.slice(2);

// Exits once the output is written: an application's providers may hold handles open.
function finish(code: number, stdout = '', stderr = ''): void {
  if (stderr) process.stderr.write(stderr.endsWith('\n') ? stderr : `${stderr}\n`);
  process.stdout.write(stdout, () => process.exit(code));
}

if (command !== 'asyncapi') {
  finish(command === undefined || command === '--help' ? 0 : 2, '', ASYNCAPI_USAGE);
} else {
  asyncApiCommand(args, process.cwd()).then(
    (text) => finish(0, text),
    (error: unknown) => {
      const usage = error instanceof InvalidOptionsError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      finish(usage ? 2 : 1, '', usage ? `${(error as Error).message}\n\n${ASYNCAPI_USAGE}` : String((error as Error).stack ?? error));
    },
  );
}
