import { MemoryTransport } from 'nestjs-message-bus';
import { busContract } from './bus.contract.js';
import { flowContract } from './flow.contract.js';
import { realtimeContract } from './realtime.contract.js';

busContract('memory', () => new MemoryTransport());
flowContract('memory', () => new MemoryTransport());
realtimeContract('memory', () => new MemoryTransport());
