/** The sample's document as docs/ shows it: regenerate it with the command in docs/guide/asyncapi.md. */
export const SAMPLE_EXAMPLE = new URL('../../../docs/examples/sample.asyncapi.yaml', import.meta.url);
