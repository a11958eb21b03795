import { OperationError } from '../core/errors.js';

/**
 * Object keys as they travel. A key may hold any UTF-8 character, a CR or a control character
 * included, and XML 1.0 cannot carry those: a listing normalises a CR to a line feed, and a
 * request body holding a control character is refused. So every listing asks S3 to URL-encode
 * the keys of its answer (EncodingType=url) and decodes them here, and a key XML cannot carry is
 * deleted on its own, named in the URL rather than in a DeleteObjects body.
 */
export const KEY_ENCODING = 'url' as const;

/** How a message names a key: quoted, with a CR or a control character written out. */
export function shownKey(key: string): string {
  return JSON.stringify(key);
}

/** Whether XML 1.0 can carry the key in a request body (a CR is escaped by the SDK). */
export function xmlCarries(key: string): boolean {
  for (let index = 0; index < key.length; index++) {
    const point = key.charCodeAt(index);
    if (point < 0x20 && point !== 0x09 && point !== 0x0a && point !== 0x0d) return false;
    if (point === 0xfffe || point === 0xffff) return false;
  }
  return true;
}

/**
 * The decoder of one listing page's keys and markers. A page with entries that does not say it
 * encoded them is refused: its keys cannot be told from what XML made of them.
 */
export function listedKeys(
  answer: { EncodingType?: string },
  entries: number,
  operation: string,
): (encoded: string) => string {
  if (answer.EncodingType !== KEY_ENCODING) {
    if (entries === 0) return (key) => key;
    throw new OperationError(
      `${operation} was asked to URL-encode the keys it lists (EncodingType=url) and answered without doing so; a key holding a CR or a control character could not be told from another, so the listing is not used. Check what answers for S3 here (AWS_ENDPOINT_URL, a proxy).`,
      'A listing could not be read',
    );
  }
  return (encoded) => {
    try {
      // S3 writes a space as '+', and a '+' of the key as %2B.
      return decodeURIComponent(encoded.replace(/\+/g, ' '));
    } catch {
      throw new OperationError(
        `${operation} listed a key that is not URL-encoded as asked: ${shownKey(encoded)}.`,
        'A listing could not be read',
      );
    }
  };
}
