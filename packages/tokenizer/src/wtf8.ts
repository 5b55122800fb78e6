// Strings <-> bytes, losslessly. JavaScript strings are UTF-16 and may hold lone
// surrogates (half of an emoji cut in two, say). UTF-8 cannot represent those, and
// TextEncoder replaces them with U+FFFD, which would break decode(encode(s)) === s.
// We use WTF-8 instead (https://simonsapin.github.io/wtf-8/): identical to UTF-8 for
// every well-formed string, and a lone surrogate U+D800..U+DFFF becomes the 3-byte
// sequence ED A0..BF 80..BF that UTF-8 would give it if surrogates were allowed.
// Decoding maps those bytes back to the lone surrogate; any other invalid byte
// sequence decodes to U+FFFD exactly as TextDecoder does.

/** The WTF-8 bytes of `text` (UTF-8, plus lone surrogates as 3-byte sequences). */
export function wtf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A well-formed surrogate pair: one 4-byte sequence.
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        continue;
      }
    }
    // Any other BMP unit, lone surrogates included.
    out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * Reference decoder: WTF-8 bytes -> string. Invalid sequences become U+FFFD using
 * the WHATWG "maximal subpart" rule, so it agrees with TextDecoder on anything that
 * does not contain an encoded surrogate.
 */
export function wtf8DecodeReference(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    let cp: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      if (b0 === 0xe0) lower = 0xa0;
      // No `b0 === 0xed` restriction: that is where WTF-8 keeps surrogates.
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 === 0xf0) lower = 0x90;
      if (b0 === 0xf4) upper = 0x8f;
    } else {
      out += '\uFFFD';
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const b = j < n ? bytes[j] : -1;
      if (b < lower || b > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 63);
    }
    if (!ok) {
      // The maximal valid prefix counts as one replacement character.
      out += '\uFFFD';
      i = j;
      continue;
    }
    out += String.fromCodePoint(cp);
    i = j;
  }
  return out;
}

let utf8Decoder: TextDecoder | undefined;

/** Fast path: TextDecoder whenever the bytes hold no encoded surrogate. */
export function wtf8Decode(bytes: Uint8Array): string {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xed && bytes[i + 1] >= 0xa0 && bytes[i + 1] <= 0xbf) return wtf8DecodeReference(bytes);
  }
  utf8Decoder ??= new TextDecoder('utf-8');
  return utf8Decoder.decode(bytes);
}
