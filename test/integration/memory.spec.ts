import { MemoryTransport } from 'nestjs-message-bus';
import { busContract } from './bus.contract.js';

busContract('memory', () => new MemoryTransport());
