import type { RawData } from 'ws';
import type { Envelope } from '../messages/envelope.js';
import { InvalidPatternError, InvalidTopicError } from '../messages/errors.js';
import { assertPattern, assertTopic } from '../routing/topic.js';

/** Echoed back in the answer to a client frame, so clients can match the two. @publicApi */
export type FrameRef = string | number;

/**
 * What a client sends, as JSON text frames.
 * @publicApi
 */
export type ClientFrame =
  | { op: 'subscribe'; patterns: string[]; lastId?: string; ref?: FrameRef }
  | { op: 'unsubscribe'; patterns?: string[]; ref?: FrameRef }
  | { op: 'publish'; topic: string; payload?: unknown; ref?: FrameRef }
  | { op: 'ping'; ref?: FrameRef };

/** An event, live or caught up after a reconnection. @publicApi */
export interface EventFrame {
  type: 'event';
  topic: string;
  payload: unknown;
  id: string;
  correlationId: string;
  sessionId?: string;
  /** Epoch ms at publish. */
  timestamp: number;
}

/** Why a client frame was refused. @publicApi */
export type BridgeErrorCode =
  | 'BAD_FRAME'
  | 'FORBIDDEN'
  | 'INVALID_PATTERN'
  | 'INVALID_TOPIC'
  | 'PAYLOAD_TOO_LARGE'
  | 'OVERLOADED'
  | 'BUS_CLOSED'
  | 'PUBLISH_FAILED';

/** The answer to a refused client frame; nothing of it took effect. @publicApi */
export interface ErrorFrame {
  type: 'error';
  ref?: FrameRef;
  op?: string;
  code: BridgeErrorCode;
  message: string;
}

/**
 * What the bridge sends, as JSON text frames.
 * @publicApi
 */
export type ServerFrame =
  | EventFrame
  | ErrorFrame
  /** `replayed` events after `lastId` came just before; `gap`: `lastId` was out of the window, some may be missing. */
  | { type: 'subscribed'; ref?: FrameRef; patterns: string[]; replayed: number; gap: boolean }
  | { type: 'unsubscribed'; ref?: FrameRef; patterns: string[] }
  | { type: 'published'; ref?: FrameRef; topic: string }
  | { type: 'pong'; ref?: FrameRef };

/** Patterns one client may hold at once, so a client cannot grow the server's memory. */
export const MAX_PATTERNS_PER_CLIENT = 100;
const MAX_REF_LENGTH = 64;
const MAX_ID_LENGTH = 255;

/** Reads one client frame; anything malformed becomes the error frame to answer. */
export function parseClientFrame(data: RawData, isBinary: boolean): ClientFrame | ErrorFrame {
  if (isBinary) return refused(undefined, 'BAD_FRAME', 'Frames are JSON text');
  let frame: unknown;
  try {
    frame = JSON.parse(textOf(data));
  } catch {
    return refused(undefined, 'BAD_FRAME', 'Frames are JSON text');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return refused(undefined, 'BAD_FRAME', 'A frame is a JSON object with an "op"');
  }
  const { op, ref } = frame as Record<string, unknown>;
  if (ref !== undefined && !isRef(ref)) {
    return refused(undefined, 'BAD_FRAME', `ref must be a number or a string of at most ${MAX_REF_LENGTH} chars`);
  }
  try {
    return read(op, frame as Record<string, unknown>, ref as FrameRef | undefined);
  } catch (error) {
    if (error instanceof InvalidPatternError) return refused(ref as FrameRef, 'INVALID_PATTERN', error.message, String(op));
    if (error instanceof InvalidTopicError) return refused(ref as FrameRef, 'INVALID_TOPIC', error.message, String(op));
    throw error;
  }
}

/** The frame of one event, encoded once for every client that gets it. */
export function encodeEvent(envelope: Envelope): Buffer {
  const frame: EventFrame = {
    type: 'event',
    topic: envelope.topic,
    payload: envelope.payload ?? null,
    id: envelope.id,
    correlationId: envelope.correlationId,
    sessionId: envelope.sessionId,
    timestamp: envelope.timestamp,
  };
  return encode(frame);
}

export function encode(frame: ServerFrame): Buffer {
  return Buffer.from(JSON.stringify(frame));
}

export function refused(ref: FrameRef | undefined, code: BridgeErrorCode, message: string, op?: string): ErrorFrame {
  return { type: 'error', ref, op, code, message };
}

function read(op: unknown, frame: Record<string, unknown>, ref: FrameRef | undefined): ClientFrame | ErrorFrame {
  switch (op) {
    case 'subscribe': {
      const patterns = patternList(frame.patterns);
      if (patterns === undefined || patterns.length === 0) {
        return refused(ref, 'BAD_FRAME', `patterns must be an array of 1..${MAX_PATTERNS_PER_CLIENT} patterns`, op);
      }
      const { lastId } = frame;
      if (lastId !== undefined && !(typeof lastId === 'string' && lastId.length > 0 && lastId.length <= MAX_ID_LENGTH)) {
        return refused(ref, 'BAD_FRAME', 'lastId must be the id of an event frame', op);
      }
      return { op, patterns, lastId, ref };
    }
    case 'unsubscribe': {
      const patterns = frame.patterns === undefined ? undefined : patternList(frame.patterns);
      if (frame.patterns !== undefined && patterns === undefined) {
        return refused(ref, 'BAD_FRAME', `patterns must be an array of at most ${MAX_PATTERNS_PER_CLIENT} patterns`, op);
      }
      return { op, patterns, ref };
    }
    case 'publish':
      assertTopic(frame.topic);
      return { op, topic: frame.topic, payload: frame.payload, ref };
    case 'ping':
      return { op, ref };
    default:
      return refused(ref, 'BAD_FRAME', 'op must be "subscribe", "unsubscribe", "publish" or "ping"');
  }
}

// ws hands over a Buffer unless the socket's binaryType asks for fragments or an ArrayBuffer.
function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

function patternList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PATTERNS_PER_CLIENT) return undefined;
  value.forEach((pattern) => assertPattern(pattern));
  return [...new Set(value as string[])];
}

function isRef(value: unknown): value is FrameRef {
  return (typeof value === 'string' && value.length <= MAX_REF_LENGTH) || (typeof value === 'number' && Number.isFinite(value));
}
