/**
 * Which insert failures mean "this batch holds a row ClickHouse will never accept". Only the
 * server's exception code tells: @clickhouse/client throws a ClickHouseError whose `code` is
 * the code as a digit string when it can parse the server's message, which needs the
 * `(TYPE_NAME)` suffix of newer servers; from 18.16 (`Code: 27, e.displayText() = ...`) it
 * throws a plain Error with the server's text, so the code is read from the text's start.
 * Network errors carry Node's `code` (`ECONNREFUSED`, ...), never digits, and stay transient.
 */

/**
 * Exception codes about the inserted data itself (parse and type errors in rows), not about
 * the server, the table or our query: re-sending the same rows fails the same way.
 */
export const BAD_DATA_EXCEPTION_CODES: ReadonlySet<number> = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
]);

/** Server text as 18.16 sends it: `Code: 27, e.displayText() = DB::Exception: ...`. */
const LEADING_CODE_RE = /^\s*Code: (\d{1,5})[.,]/;

/** The ClickHouse exception code of a failed request, or undefined (network error, not ClickHouse). */
export function clickHouseExceptionCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^\d{1,5}$/.test(code)) return Number(code);
  if (typeof message === 'string') {
    const m = LEADING_CODE_RE.exec(message);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return undefined;
}

export function isBadDataError(err: unknown): boolean {
  const code = clickHouseExceptionCode(err);
  return code !== undefined && BAD_DATA_EXCEPTION_CODES.has(code);
}
