// The Nest test app the shipped contract suites boot, shared with this repository's own specs.
export * from '../../lib/testing/contract/bus-app.js';
