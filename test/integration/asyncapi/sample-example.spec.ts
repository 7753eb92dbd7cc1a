import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { describeApplication } from 'nestjs-message-bus';
import { asyncApiYaml } from '../../../lib/asyncapi/asyncapi-yaml.js';
import { AppModule } from '../../../sample/app.module.js';
import { asyncApiProblems } from '../../support/asyncapi-parser.js';
import { SAMPLE_EXAMPLE } from './sample-example.js';

describe('docs/examples/sample.asyncapi.yaml', () => {
  it('is what the sample generates, and valid AsyncAPI', async () => {
    const committed = await readFile(SAMPLE_EXAMPLE, 'utf8');

    expect(asyncApiYaml(await describeApplication(AppModule))).toBe(committed);
    expect(await asyncApiProblems(committed)).toEqual([]);
  });
});
