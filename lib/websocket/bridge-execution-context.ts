import type { ExecutionContext, Type } from '@nestjs/common';

type WsArgumentsHost = ReturnType<ExecutionContext['switchToWs']>;
type RpcArgumentsHost = ReturnType<ExecutionContext['switchToRpc']>;
type HttpArgumentsHost = ReturnType<ExecutionContext['switchToHttp']>;

/**
 * The `ExecutionContext` a bridge guard receives, shaped as Nest's own for WebSocket message
 * handlers: type `'ws'`, arguments `[client, data, op]`, so `switchToWs().getClient()` is the
 * `ws` socket, `getData()` the request being decided and `getPattern()` its op.
 */
export class BridgeExecutionContext implements ExecutionContext {
  private readonly args: [client: unknown, data: unknown, op: string];

  constructor(
    client: unknown,
    data: unknown,
    op: string,
    private readonly classRef: Type<unknown>,
    private readonly handler: Function,
  ) {
    this.args = [client, data, op];
  }

  getClass<T>(): Type<T> {
    return this.classRef as Type<T>;
  }

  getHandler(): Function {
    return this.handler;
  }

  getArgs<T extends unknown[]>(): T {
    return this.args as unknown as T;
  }

  getArgByIndex<T>(index: number): T {
    return this.args[index] as T;
  }

  getType<T extends string>(): T {
    return 'ws' as T;
  }

  switchToWs(): WsArgumentsHost {
    return {
      getClient: <T>() => this.args[0] as T,
      getData: <T>() => this.args[1] as T,
      getPattern: () => this.args[2],
    };
  }

  switchToRpc(): RpcArgumentsHost {
    return { getData: <T>() => this.args[1] as T, getContext: <T>() => this.args[0] as T };
  }

  switchToHttp(): HttpArgumentsHost {
    return { getRequest: <T>() => this.args[0] as T, getResponse: <T>() => this.args[1] as T, getNext: <T>() => this.args[2] as T };
  }
}
