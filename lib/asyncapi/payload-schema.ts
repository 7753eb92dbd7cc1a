import { createRequire } from 'node:module';
import type { JsonSchema } from '../messages/topic.decorator.js';

/** What this file reads of a class-validator `ValidationMetadata`. */
interface ValidationRule {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

interface ValidationStorage {
  getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean): ValidationRule[];
}

interface TypeStorage {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction: () => unknown } | undefined;
}

/** One class-validator rule as JSON Schema keywords of the value (or of each item with `each`). */
const RULES: Record<string, (constraints: unknown[]) => JsonSchema> = {
  isString: () => ({ type: 'string' }),
  isNumber: () => ({ type: 'number' }),
  isInt: () => ({ type: 'integer' }),
  isBoolean: () => ({ type: 'boolean' }),
  isArray: () => ({ type: 'array' }),
  isObject: () => ({ type: 'object' }),
  isDate: () => ({ type: 'string', format: 'date-time' }),
  isDateString: () => ({ type: 'string', format: 'date-time' }),
  isIso8601: () => ({ type: 'string', format: 'date-time' }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  isUuid: () => ({ type: 'string', format: 'uuid' }),
  isUrl: () => ({ type: 'string', format: 'uri' }),
  isIn: ([values]) => ({ enum: [...(values as unknown[])] }),
  // A numeric TypeScript enum maps its values back to its names: those keys are left out.
  isEnum: ([entity]) => ({
    enum: Object.entries(entity as object).filter(([key]) => Number.isNaN(Number(key))).map(([, value]) => value as unknown),
  }),
  min: ([value]) => ({ minimum: value }),
  max: ([value]) => ({ maximum: value }),
  isPositive: () => ({ exclusiveMinimum: 0 }),
  isNegative: () => ({ exclusiveMaximum: 0 }),
  minLength: ([value]) => ({ minLength: value }),
  maxLength: ([value]) => ({ maxLength: value }),
  isLength: ([min, max]) => (max === undefined ? { minLength: min } : { minLength: min, maxLength: max }),
  isNotEmpty: () => ({ not: { enum: ['', null] } }),
  matches: ([pattern]) => ({ type: 'string', pattern: pattern instanceof RegExp ? pattern.source : String(pattern) }),
  arrayMinSize: ([value]) => ({ type: 'array', minItems: value }),
  arrayMaxSize: ([value]) => ({ type: 'array', maxItems: value }),
};

/** JSON types of the constructors `emitDecoratorMetadata` records as `design:type`. */
const DESIGN_TYPES = new Map<unknown, JsonSchema>([
  [String, { type: 'string' }],
  [Number, { type: 'number' }],
  [Boolean, { type: 'boolean' }],
  [Array, { type: 'array' }],
  [Date, { type: 'string', format: 'date-time' }],
]);

/**
 * The JSON Schema of a message class's payload, from its class-validator decorators (nested
 * classes through class-transformer's `@Type`), or `{ type: 'object' }` and open when it has none.
 * Neither library is a dependency: their metadata is read only when the application loaded them.
 */
export function payloadSchemaOf(type: Function): JsonSchema {
  return objectSchema(type, new Set());
}

function objectSchema(type: Function, visiting: Set<Function>): JsonSchema {
  const storage = (globalThis as { classValidatorMetadataStorage?: ValidationStorage }).classValidatorMetadataStorage;
  const rules = visiting.has(type) ? [] : (storage?.getTargetValidationMetadatas(type, '', true, false) ?? []);
  if (rules.length === 0) return { type: 'object' };
  visiting.add(type);
  const byProperty = new Map<string, ValidationRule[]>();
  for (const rule of rules) byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, propertyRules] of byProperty) {
    properties[property] = propertySchema(type, property, propertyRules, visiting);
    if (!propertyRules.some((rule) => rule.name === 'isOptional')) required.push(property);
  }
  visiting.delete(type);
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

function propertySchema(type: Function, property: string, rules: ValidationRule[], visiting: Set<Function>): JsonSchema {
  const designType: unknown = Reflect.getMetadata?.('design:type', type.prototype as object, property);
  let value: JsonSchema = { ...DESIGN_TYPES.get(designType) };
  let item: JsonSchema = {};
  const nested = nestedTypeOf(type, property) ?? (DESIGN_TYPES.has(designType) ? undefined : (designType as Function | undefined));
  for (const rule of rules) {
    const keywords = rule.type === 'nestedValidation' && nested ? objectSchema(nested, visiting) : RULES[rule.name ?? '']?.(rule.constraints ?? []);
    if (keywords === undefined) continue;
    if (rule.each) item = { ...item, ...keywords };
    else value = { ...value, ...keywords };
  }
  if (Object.keys(item).length > 0) return { ...value, type: 'array', items: item };
  return value;
}

let typeStorage: TypeStorage | null | undefined;

/** The class class-transformer's `@Type(() => Item)` names for a property, when it is loaded. */
function nestedTypeOf(type: Function, property: string): Function | undefined {
  if (typeStorage === undefined) {
    try {
      const require = createRequire(import.meta.url);
      typeStorage = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: TypeStorage }).defaultMetadataStorage;
    } catch {
      typeStorage = null;
    }
  }
  const nested = typeStorage?.findTypeMetadata(type, property)?.typeFunction();
  return typeof nested === 'function' ? nested : undefined;
}
