/**
 * The layers of DESIGN.md §3, checked on every `npm run lint` (type-only imports included).
 * Arrows run down: nest/ and the entry points → dispatch/ → transports/contract, messages/, routing/, primitives/.
 */
const BROKERS = '^lib/transports/(redis|amqp|memory|nats)/';
// Nest, the bus's Nest face and every feature built on top of the bus.
const NEST_AND_ABOVE = ['^lib/nest/', '^lib/message-bus', '^node_modules/@nestjs/', '^lib/(admin|health|metrics|websocket|microservices|sagas|postgres|testing)/'];
const rule = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

module.exports = {
  forbidden: [
    rule('no-cycle', 'A cycle (type imports count) means two files are one concern or a layer calls up.', { path: '^lib/' }, { circular: true }),
    rule(
      'dispatch-knows-no-broker',
      'dispatch/ runs on the transport contract only (not even the broker-shared parts), and knows no Nest.',
      { path: '^lib/dispatch/' },
      { path: [BROKERS, '^lib/transports/shared/', ...NEST_AND_ABOVE] },
    ),
    rule(
      'transports-know-no-dispatch-or-nest',
      'A transport implements lib/transports/contract with lib/transports/shared; it knows no dispatch/ and no Nest.',
      // An entry point (index.ts) may also offer what is built on its broker elsewhere, such as a saga store.
      { path: '^lib/transports/', pathNot: '/index\\.ts$' },
      { path: ['^lib/dispatch/', ...NEST_AND_ABOVE] },
    ),
    rule(
      'brokers-stay-apart',
      'One broker folder never reaches into another; what they share lives in transports/shared.',
      { path: BROKERS },
      { path: BROKERS, pathNot: '^lib/transports/$1/' },
    ),
    rule('contract-is-the-bottom-of-transports', 'The SPI and the shared broker parts know no broker.', { path: '^lib/transports/(contract|shared)/' }, { path: BROKERS }),
    rule(
      'messages-are-the-floor',
      'messages/, routing/ and primitives/ import only each other.',
      { path: '^lib/(messages|routing|primitives)/' },
      { path: '^lib/', pathNot: '^lib/(messages|routing|primitives)/' },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
