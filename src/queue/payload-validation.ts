import { PgqrsError, ValidationError } from "../errors.js";
import type { ValidationConfig } from "../validation-config.js";

/**
 * Check one payload against the validation settings and serialise it to JSON text, once.
 * Anything that would not round-trip as JSON (functions, symbols, BigInt, cycles, NaN/Infinity, `undefined` at the
 * top level or in an array, Map/Set) is refused before any write. `prefix` names the batch index in messages.
 */
export function serializePayload(value: unknown, config: ValidationConfig, prefix = ""): string {
  checkStructure(value, config, prefix);
  const json = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a short text needs no count.
  if (json.length * 3 <= config.maxPayloadSizeBytes) return json;
  const size = Buffer.byteLength(json, "utf8");
  if (size > config.maxPayloadSizeBytes) {
    const limits = { actualBytes: size, maxBytes: config.maxPayloadSizeBytes };
    // pgqrs's own variant for one payload; inside a batch it becomes a validation failure naming the index.
    if (prefix === "") {
      throw new PgqrsError("PAYLOAD_TOO_LARGE", `Payload size ${size} exceeds limit ${limits.maxBytes}`, {
        details: limits,
      });
    }
    throw new ValidationError(
      `${prefix.replace(/: $/, "")} too large: ${size} bytes exceeds limit ${limits.maxBytes}`,
      { ...limits, kind: "PAYLOAD_TOO_LARGE" },
    );
  }
  return json;
}

/**
 * Serialise a step's or run's output as {@link serializePayload} does, with `undefined` (a function that returned
 * nothing) stored as JSON `null` instead of refused. Same checks and errors as `serializePayload` with no prefix.
 */
export function serializeOutput(value: unknown, config: ValidationConfig): string {
  return value === undefined ? "null" : serializePayload(value, config);
}

/**
 * Deepest nesting any payload, output or step result may have (the root is depth 0), whatever `maxObjectDepth`
 * says: deeper JSON cannot be validated, serialised or parsed without running out of stack (a RangeError instead
 * of VALIDATION_FAILED), and SQLite's JSON functions refuse more than 1,000 levels. `maxObjectDepth` (off by
 * default) can only lower it.
 */
export const MAX_PAYLOAD_DEPTH = 1_000;

/** Most payloads one batch may insert: one statement, one transaction, bounded memory on both backends. */
export const MAX_BATCH_MESSAGES = 10_000;
/** Most JSON bytes one batch may insert in total (each payload is also held to `maxPayloadSizeBytes`). */
export const MAX_BATCH_BYTES = 64 * 1_048_576;

/** Serialise a batch all-or-nothing; errors name the index of the first bad payload, or the batch limit broken. */
export function serializeBatch(values: readonly unknown[], config: ValidationConfig): string[] {
  if (values.length > MAX_BATCH_MESSAGES) {
    throw new ValidationError(
      `batch of ${values.length} payloads exceeds limit ${MAX_BATCH_MESSAGES}; split it into smaller batches`,
      { actual: values.length, max: MAX_BATCH_MESSAGES, kind: "BATCH_TOO_LARGE" },
    );
  }
  let total = 0;
  return values.map((v, i) => {
    const json = serializePayload(v, config, values.length > 1 ? `Payload at index ${i}: ` : "");
    total += Buffer.byteLength(json, "utf8");
    if (total > MAX_BATCH_BYTES) {
      throw new ValidationError(
        `batch size exceeds limit ${MAX_BATCH_BYTES} bytes at index ${i}; split it into smaller batches`,
        { actualBytes: total, maxBytes: MAX_BATCH_BYTES, kind: "BATCH_TOO_LARGE" },
      );
    }
    return json;
  });
}

/**
 * NUL characters and lone UTF-16 surrogates are valid in JavaScript strings but not in Unicode text: Postgres
 * refuses them in `jsonb` (and in `text`), so they are refused on every backend before any write.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | undefined {
  const m = NOT_STORABLE.exec(text);
  if (m === null) return undefined;
  const unit = m[0].charCodeAt(0).toString(16).padStart(4, "0");
  return m[0] === "\u0000" ? "a NUL character (\\u0000)" : `a lone surrogate (\\u${unit})`;
}

/** One validation's settings and state; the path to the value being checked is built only for an error. */
interface Walk {
  readonly prefix: string;
  readonly forbidden: readonly string[] | ReadonlySet<string>;
  readonly depthLimit: number;
  readonly maxStringLength: number | null;
  readonly requiredKeys: readonly string[];
  /** The objects on the way down to the current value (a value met again among them is a cycle). */
  readonly ancestors: Set<object>;
  /** The keys and indexes from the root to the current value. */
  readonly path: (string | number)[];
}

/** Forbidden-key lists longer than this are looked up in a Set built for the call; shorter ones are scanned. */
const SCANNED_KEYS = 8;

function checkStructure(root: unknown, config: ValidationConfig, prefix: string): void {
  if (root === undefined) {
    throw new ValidationError(`${prefix}payload is undefined; enqueue a JSON value (use null for 'no data')`);
  }
  const configured = config.maxObjectDepth;
  const keys = config.forbiddenKeys;
  const walk: Walk = {
    prefix,
    forbidden: keys.length > SCANNED_KEYS ? new Set(keys) : keys,
    depthLimit: configured !== null && configured < MAX_PAYLOAD_DEPTH ? configured : MAX_PAYLOAD_DEPTH,
    maxStringLength: config.maxStringLength,
    requiredKeys: config.requiredKeys,
    ancestors: new Set<object>(),
    path: [],
  };
  visit(walk, root, 0);
}

/** `$`, `$.a[0].b`: where the value being checked sits in the payload. */
function pathOf(walk: Walk): string {
  let out = "$";
  for (const part of walk.path) out += typeof part === "number" ? `[${part}]` : `.${part}`;
  return out;
}

function fail(walk: Walk, reason: string): never {
  throw new ValidationError(`${walk.prefix}${reason}`);
}

function isForbidden(walk: Walk, key: string): boolean {
  const f = walk.forbidden;
  return Array.isArray(f) ? f.includes(key) : (f as ReadonlySet<string>).has(key);
}

function visit(walk: Walk, value: unknown, depth: number): void {
  // Checked before descending, so the recursion is never deeper than the limit.
  if (depth > walk.depthLimit) fail(walk, `Object depth ${depth} exceeds limit ${walk.depthLimit}`);
  switch (typeof value) {
    case "string": {
      const bad = unstorable(value);
      if (bad !== undefined) {
        fail(walk, `string at ${pathOf(walk)} contains ${bad}, which cannot be stored; remove or encode it`);
      }
      if (walk.maxStringLength !== null) {
        const n = Buffer.byteLength(value, "utf8");
        if (n > walk.maxStringLength) fail(walk, `String length ${n} exceeds limit ${walk.maxStringLength}`);
      }
      return;
    }
    case "number":
      if (!Number.isFinite(value)) fail(walk, `${value} at ${pathOf(walk)} is not a JSON number`);
      return;
    case "boolean":
      return;
    case "bigint":
      fail(walk, `BigInt at ${pathOf(walk)} is not JSON-serialisable; convert it to a string or number`);
      return;
    case "function":
    case "symbol":
      fail(walk, `a ${typeof value} at ${pathOf(walk)} is not JSON-serialisable`);
      return;
    case "undefined":
      fail(walk, `undefined at ${pathOf(walk)} is not JSON-serialisable; use null`);
      return;
  }
  if (value === null) return;
  visitObject(walk, value as object, depth);
}

function visitObject(walk: Walk, obj: object, depth: number): void {
  if (walk.ancestors.has(obj)) fail(walk, `payload contains a cycle at ${pathOf(walk)}`);
  if (obj instanceof Map || obj instanceof Set) {
    fail(walk, `a ${obj.constructor.name} at ${pathOf(walk)} is not JSON-serialisable`);
  }
  if (typeof (obj as { toJSON?: unknown }).toJSON === "function") {
    // Date and friends serialise through toJSON; validate what will actually be stored.
    visit(walk, (obj as { toJSON: () => unknown }).toJSON(), depth);
    return;
  }
  walk.ancestors.add(obj);
  const path = walk.path;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      // Holes and undefined items would silently become null in JSON.
      path.push(i);
      visit(walk, obj[i], depth + 1);
      path.pop();
    }
  } else {
    if (depth === 0) {
      for (const key of walk.requiredKeys) {
        if (!Object.hasOwn(obj, key)) fail(walk, `Required key '${key}' missing from payload`);
      }
    }
    for (const key of Object.keys(obj)) {
      if (isForbidden(walk, key)) fail(walk, `Forbidden key '${key}' found in payload`);
      const badKey = unstorable(key);
      if (badKey !== undefined) {
        fail(walk, `key at ${pathOf(walk)} contains ${badKey}, which cannot be stored; remove or encode it`);
      }
      if (walk.maxStringLength !== null) {
        const n = Buffer.byteLength(key, "utf8");
        if (n > walk.maxStringLength) fail(walk, `Key '${key}' length ${n} exceeds limit ${walk.maxStringLength}`);
      }
      const child = (obj as Record<string, unknown>)[key];
      // JSON drops undefined properties; that is the documented JSON behaviour for optional fields.
      if (child !== undefined) {
        path.push(key);
        visit(walk, child, depth + 1);
        path.pop();
      }
    }
  }
  walk.ancestors.delete(obj);
}
