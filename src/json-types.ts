/**
 * JSON values as types: what a payload may hold so that what a consumer reads back is what the producer sent.
 * Payloads are stored as JSON, so a `Date` comes back as a string, a `bigint` or a function cannot be stored, and
 * an `undefined` member disappears. `Json<T>` is the constraint typed queues (`defineQueue<T>`) put on payload
 * types: it accepts interfaces (which have no index signature, so `T extends JsonValue` would refuse them) and
 * optional members (`x?: string`), and maps every member that is not JSON to `never`, so such a type fails to
 * satisfy `T extends Json<T>` and the call does not compile.
 */

/** A JSON scalar: a string, a finite number, a boolean, or `null`. */
export type JsonPrimitive = string | number | boolean | null;

/** A JSON array (mutable or `readonly`). */
export type JsonArray = JsonValue[] | readonly JsonValue[];

/**
 * A JSON object. A member may be `undefined` only as an absent optional member: JSON drops it, so it reads back
 * as absent.
 */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** Any JSON value: what `JSON.parse` can return. */
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;

/**
 * `T` with every member that is not a JSON value replaced by `never`, checked recursively through objects, arrays
 * and tuples. Use it as an F-bounded constraint, `<T extends Json<T>>`: a `Date`, `bigint`, `symbol`, function,
 * `Map`/`Set`, `unknown` or `undefined`-typed member (`x: string | undefined`) then fails to compile, while an
 * optional member (`x?: string`) is fine (it is absent from the JSON when unset). A homomorphic mapped type (not a
 * conditional one) so that the constraint may mention `T` itself; it maps a primitive `T` to itself.
 */
export type Json<T> = {
  [K in keyof T]: OptionalKey<T, K> extends true ? JsonMember<Exclude<T[K], undefined>> | undefined : JsonMember<T[K]>;
};

/**
 * One member of a JSON object or array: a JSON value as it is (this also ends the recursion for `JsonValue`), an
 * interface or other object checked by {@link Json}.
 */
type JsonMember<V> = V extends JsonValue
  ? V
  : V extends ((...args: never[]) => unknown) | bigint | symbol | undefined
    ? never
    : V extends object
      ? Json<V>
      : never;

/** `true` when `K` is an optional member of `T`. */
type OptionalKey<T, K extends keyof T> = Record<never, never> extends Pick<T, K> ? true : false;
