/**
 * Spool record framing: one record per line, `<crc32 as 8 hex digits> <payload>\n`. Lines make
 * the format greppable and self-resynchronising: a damaged record costs exactly that record,
 * the next newline starts a good one. The checksum catches torn writes (a crash mid-append)
 * and bit rot; a trailing piece with no newline at the end of a closed segment is a torn tail.
 */
import { crc32 } from 'node:zlib';
import { InternalError } from '../../core/index.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_HEX_LEN = 8;

export function encodeLine(payload: string): Buffer {
  if (payload.includes('\n')) {
    throw new InternalError('spool payload must not contain a newline (encode records as JSON)');
  }
  const body = Buffer.from(payload, 'utf8');
  const crc = crc32(body).toString(16).padStart(CRC_HEX_LEN, '0');
  return Buffer.concat([Buffer.from(`${crc} `, 'latin1'), body, Buffer.from('\n', 'latin1')]);
}

export interface ParsedLines {
  /** Payloads of the valid records, in order, with the offset (in buf) just past each. */
  readonly records: { readonly payload: string; readonly end: number }[];
  /** Offsets (in buf) just past each damaged line, in order. */
  readonly corruptEnds: number[];
  /** Bytes of buf fully parsed (valid or damaged); the rest is an incomplete line. */
  readonly consumed: number;
}

/**
 * Parse complete lines of `buf`. With `atEof` the caller knows no more bytes will ever follow
 * (a closed segment), so a trailing piece without newline is reported as damaged.
 */
export function parseLines(buf: Buffer, atEof: boolean, maxRecords = Infinity): ParsedLines {
  const records: { payload: string; end: number }[] = [];
  const corruptEnds: number[] = [];
  let pos = 0;
  while (pos < buf.length && records.length < maxRecords) {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0) {
      if (atEof) {
        corruptEnds.push(buf.length);
        pos = buf.length;
      }
      break;
    }
    const payload = checkLine(buf.subarray(pos, nl));
    if (payload === null) corruptEnds.push(nl + 1);
    else records.push({ payload, end: nl + 1 });
    pos = nl + 1;
  }
  return { records, corruptEnds, consumed: pos };
}

function checkLine(line: Buffer): string | null {
  if (line.length < CRC_HEX_LEN + 1 || line[CRC_HEX_LEN] !== SPACE) return null;
  const expected = Number.parseInt(line.subarray(0, CRC_HEX_LEN).toString('latin1'), 16);
  if (!Number.isFinite(expected)) return null;
  const body = line.subarray(CRC_HEX_LEN + 1);
  if (crc32(body) !== expected) return null;
  return body.toString('utf8');
}
