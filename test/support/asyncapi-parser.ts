import { Parser } from '@asyncapi/parser';

/** What the official AsyncAPI parser finds wrong (errors and warnings) in a document; empty when valid. */
export async function asyncApiProblems(document: unknown): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(JSON.stringify(document));
  // Severity 0 is an error, 1 a warning; 2 (information) and 3 (hint) are advice.
  return diagnostics
    .filter((diagnostic) => diagnostic.severity <= 1)
    .map((diagnostic) => `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`);
}
