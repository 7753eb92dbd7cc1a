import { MemoryTransport } from 'nestjs-message-bus';
import { busContract, flowContract } from 'nestjs-message-bus/testing/contract';

busContract('memory', () => new MemoryTransport());
flowContract('memory', () => new MemoryTransport());
