/** Reading untrusted JSON: objects are checked before their fields are read. Pure. */

export type JsonObject = Record<string, unknown>;

/** A plain JSON object: not null, not an array. */
export const isJsonObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The value if it is a JSON object, else `{}`: a missing or mistyped field reads as empty. */
export const asJsonObject = (value: unknown): JsonObject => (isJsonObject(value) ? value : {});
