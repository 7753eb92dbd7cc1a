/**
 * The layers of DESIGN.md §3, checked on every `npm run lint` (type-only imports included).
 * Arrows run down: nest/ and the entry points → dispatch/ → transports/contract, messages/, routing/, primitives/.
 */
const BROKERS = '^lib/transports/(redis|amqp|memory|nats)/';
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'A cycle (type imports count) means two files are one concern or a layer calls up.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'dispatch-knows-no-broker',
      comment: 'dispatch/ runs on the transport contract only (not even the broker-shared parts), and knows no Nest.',
      severity: 'error',
      from: { path: '^lib/dispatch/' },
      to: { path: [BROKERS, '^lib/transports/shared/', '^lib/nest/', '^lib/(admin|health|metrics|websocket|microservices|sagas|postgres|testing)/', '^node_modules/@nestjs/', '^lib/message-bus'] },
    },
    {
      name: 'transports-know-no-dispatch-or-nest',
      comment: 'A transport implements lib/transports/contract with lib/transports/shared; it knows no dispatch/ and no Nest.',
      severity: 'error',
      // An entry point (index.ts) may also offer what is built on its broker elsewhere, such as a saga store.
      from: { path: '^lib/transports/', pathNot: '/index\\.ts$' },
      to: { path: ['^lib/dispatch/', '^lib/nest/', '^lib/message-bus', '^node_modules/@nestjs/', '^lib/(admin|health|metrics|websocket|microservices|sagas|testing)/'] },
    },
    {
      name: 'brokers-stay-apart',
      comment: 'One broker folder never reaches into another; what they share lives in transports/shared.',
      severity: 'error',
      from: { path: '^lib/transports/(redis|amqp|memory|nats)/' },
      to: { path: BROKERS, pathNot: '^lib/transports/$1/' },
    },
    {
      name: 'contract-is-the-bottom-of-transports',
      comment: 'The SPI and the shared broker parts know no broker.',
      severity: 'error',
      from: { path: '^lib/transports/(contract|shared)/' },
      to: { path: BROKERS },
    },
    {
      name: 'messages-are-the-floor',
      comment: 'messages/, routing/ and primitives/ import only each other.',
      severity: 'error',
      from: { path: '^lib/(messages|routing|primitives)/' },
      to: { path: '^lib/', pathNot: '^lib/(messages|routing|primitives)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
