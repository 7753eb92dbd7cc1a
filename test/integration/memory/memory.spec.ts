import { MemoryTransport } from 'nestjs-message-bus';
import { busContract, flowContract, realtimeContract } from 'nestjs-message-bus/testing/contract';

busContract('memory', () => new MemoryTransport());
flowContract('memory', () => new MemoryTransport());
realtimeContract('memory', () => new MemoryTransport());
