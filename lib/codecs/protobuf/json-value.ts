import { isUnsafeKey } from '../../messages/inbound.js';

/** The well-known types whose messages the codec maps to and from plain JSON values. */
export const JSON_VALUE_TYPES: ReadonlySet<string> = new Set(['.google.protobuf.Value', '.google.protobuf.Struct', '.google.protobuf.ListValue']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ValueObject = { nullValue?: number; numberValue?: number; stringValue?: string; boolValue?: boolean; structValue?: StructObject; listValue?: ListObject };
type StructObject = { fields?: Record<string, ValueObject> };
type ListObject = { values?: ValueObject[] };

/** A JSON value (as `JSON.stringify` would see it) as the object of a `google.protobuf` well-known type. */
export function toWellKnown(typeName: string, value: unknown): object {
  const plain = JSON.parse(JSON.stringify(value ?? null)) as Json;
  if (typeName === '.google.protobuf.Struct') return structOf(isRecord(plain) ? plain : {});
  if (typeName === '.google.protobuf.ListValue') return { values: (Array.isArray(plain) ? plain : [plain]).map(valueOf) };
  return valueOf(plain);
}

/** The JSON value of a decoded well-known type object (`toObject` output); unsafe keys dropped. */
export function fromWellKnown(typeName: string, object: object): unknown {
  if (typeName === '.google.protobuf.Struct') return fromStruct(object as StructObject);
  if (typeName === '.google.protobuf.ListValue') return fromList(object as ListObject);
  return fromValue(object as ValueObject);
}

function isRecord(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueOf(value: Json): ValueObject {
  if (value === null) return { nullValue: 0 };
  if (Array.isArray(value)) return { listValue: { values: value.map(valueOf) } };
  switch (typeof value) {
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    default:
      return { structValue: structOf(value) };
  }
}

function structOf(record: { [key: string]: Json }): StructObject {
  const fields: Record<string, ValueObject> = {};
  for (const key of Object.keys(record)) fields[key] = valueOf(record[key]);
  return { fields };
}

function fromValue(value: ValueObject): unknown {
  if (value.structValue !== undefined && value.structValue !== null) return fromStruct(value.structValue);
  if (value.listValue !== undefined && value.listValue !== null) return fromList(value.listValue);
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return null;
}

function fromStruct(struct: StructObject): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const fields = struct.fields ?? {};
  for (const key of Object.keys(fields)) if (!isUnsafeKey(key)) record[key] = fromValue(fields[key]);
  return record;
}

function fromList(list: ListObject): unknown[] {
  return (list.values ?? []).map(fromValue);
}
