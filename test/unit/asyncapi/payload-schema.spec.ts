import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsDateString,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsISO8601,
  IsNegative,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { payloadSchemaOf } from '../../../lib/asyncapi/payload-schema.js';

enum Level {
  Low = 1,
  High = 2,
}
enum Color {
  Red = 'red',
  Blue = 'blue',
}

class Tree {
  @IsString() @Length(2, 8) name!: string;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Tree) children?: Tree[];
}

class Address {
  @IsString() city!: string;
}

class Profile {
  @IsEnum(Level) level!: Level;
  @IsEnum(Color) color!: Color;
  @IsInt({ each: true }) scores!: number[];
  @IsDate() since!: Date;
  @ValidateNested() address!: Address;
  @IsOptional() nickname?: string;
}

/** One property per decorator the guide lists. */
class Everything {
  @IsString() string!: unknown;
  @IsNumber() @Min(0) @Max(10) number!: unknown;
  @IsInt() @IsPositive() positive!: unknown;
  @IsInt() @IsNegative() negative!: unknown;
  @IsBoolean() boolean!: unknown;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(3) array!: unknown;
  @IsObject() object!: unknown;
  @IsDateString() dateString!: unknown;
  @IsISO8601() iso!: unknown;
  @IsEmail() email!: unknown;
  @IsUUID() uuid!: unknown;
  @IsUrl() url!: unknown;
  @IsIn([1, 'a']) among!: unknown;
  @MinLength(1) @MaxLength(5) short!: unknown;
  @Length(3) atLeast!: unknown;
  @IsNotEmpty() filled!: unknown;
  @Matches(/^[a-z]+$/i) word!: unknown;
}

class Plain {
  constructor(readonly anything: unknown) {}
}

describe('payloadSchemaOf', () => {
  it('reads enums (numeric ones without their reverse names), each, dates and nested classes by their declared type', () => {
    expect(payloadSchemaOf(Profile)).toEqual({
      type: 'object',
      properties: {
        level: { type: 'number', enum: [1, 2] },
        color: { type: 'string', enum: ['red', 'blue'] },
        scores: { type: 'array', items: { type: 'integer' } },
        since: { type: 'string', format: 'date-time' },
        address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        nickname: { type: 'string' },
      },
      required: ['level', 'color', 'scores', 'since', 'address'],
    });
  });

  it('stops at a class that contains itself', () => {
    expect(payloadSchemaOf(Tree)).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 8 },
        children: { type: 'array', items: { type: 'object' } },
      },
      required: ['name'],
    });
  });

  it('turns each supported class-validator decorator into its keywords', () => {
    expect(payloadSchemaOf(Everything).properties).toEqual({
      string: { type: 'string' },
      number: { type: 'number', minimum: 0, maximum: 10 },
      positive: { type: 'integer', exclusiveMinimum: 0 },
      negative: { type: 'integer', exclusiveMaximum: 0 },
      boolean: { type: 'boolean' },
      array: { type: 'array', minItems: 1, maxItems: 3 },
      object: { type: 'object' },
      dateString: { type: 'string', format: 'date-time' },
      iso: { type: 'string', format: 'date-time' },
      email: { type: 'string', format: 'email' },
      uuid: { type: 'string', format: 'uuid' },
      url: { type: 'string', format: 'uri' },
      among: { enum: [1, 'a'] },
      short: { minLength: 1, maxLength: 5 },
      atLeast: { minLength: 3 },
      filled: { not: { enum: ['', null] } },
      word: { type: 'string', pattern: '^[a-z]+$' },
    });
  });

  it('leaves a class without validation metadata open', () => {
    expect(payloadSchemaOf(Plain)).toEqual({ type: 'object' });
  });
});
