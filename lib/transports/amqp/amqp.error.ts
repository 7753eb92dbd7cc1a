/** The AMQP reply code an amqplib error carries when the broker closed a channel or connection. */
export function amqpCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
