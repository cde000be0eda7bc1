/**
 * Partition names (open-ended strings such as `BTC#0`) as tokens a backend accepts in its own
 * names (NATS subjects/streams, Kafka topics): the allowed ASCII characters kept, every other
 * UTF-8 byte written as <escape><two hex digits>. Reversible, so a backend can list its
 * partitions back from its names. The escape character itself must not be an allowed one.
 */
export interface NameTokenCodec {
  encode(partition: string): string;
  decode(token: string): string;
}

export function nameTokenCodec(allowed: RegExp, escape: string): NameTokenCodec {
  return {
    encode(partition) {
      let out = '';
      for (const b of Buffer.from(partition, 'utf8')) {
        const c = String.fromCharCode(b);
        out += allowed.test(c) ? c : `${escape}${b.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      return out;
    },
    decode(token) {
      const bytes: number[] = [];
      for (let i = 0; i < token.length; i++) {
        if (token[i] === escape) {
          bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(token.charCodeAt(i));
      }
      return Buffer.from(bytes).toString('utf8');
    },
  };
}
