import { Parser } from '@asyncapi/parser';

/** What the official AsyncAPI parser finds wrong (errors and warnings) in a document (an object, or its JSON or YAML text); empty when valid. */
export async function asyncApiProblems(document: unknown): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(typeof document === 'string' ? document : JSON.stringify(document));
  // Severity 0 is an error, 1 a warning; 2 (information) and 3 (hint) are advice.
  return diagnostics
    .filter((diagnostic) => diagnostic.severity <= 1)
    .map((diagnostic) => `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`);
}
