/**
 * The result types of every PostgreSQL statement of a backend, passed per query so a user-supplied pool with its own
 * global type parsers still yields the records the contract promises.
 */
import type pg from "pg";
import { pgDriver } from "./pg-driver.js";
import { parsePgTimestamp } from "./postgres-time.js";

const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const JSON_OID = 114;
const JSONB_OID = 3802;

/** An int8 column's text as a number. */
const parseInt8 = (v: string): number => Number(v);
/** A json/jsonb column's text, parsed. */
const parseJson = (v: string): unknown => JSON.parse(v) as unknown;

/**
 * Per-query parsers: ids and counts (int8) as numbers, timestamps as Dates, JSON parsed. Passed with every query
 * so a user-supplied pool with its own global type parsers still yields the records the contract promises.
 */
export const RESULT_TYPES: pg.CustomTypesConfig = {
  // Asked once per column of every result (the driver builds its parsers per execution): the same functions each time.
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format === undefined || format === "text") {
      if (oid === INT8_OID) return parseInt8;
      // Never an Invalid Date: BC dates, years past 9999 and infinity are clamped (see postgres-time.ts).
      if (oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID) return parsePgTimestamp;
      if (oid === JSON_OID || oid === JSONB_OID) return parseJson;
    }
    const { types } = pgDriver();
    return format === undefined ? types.getTypeParser(oid) : types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};
