import { stringify } from 'yaml';
import type { AsyncApiDocument } from './asyncapi-document.js';

/** The document as YAML, the form AsyncAPI tools and Studio open first. */
export function asyncApiYaml(document: AsyncApiDocument): string {
  // No anchors or aliases: shared objects are written out where they appear.
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}
