// base64 -> bytes with no Node Buffer, so the same code runs in browsers.
// (atob is global in browsers and in Node >= 16.)
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
