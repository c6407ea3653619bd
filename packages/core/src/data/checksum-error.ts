/**
 * Thrown when a downloaded file's SHA-256 differs from the expected one (the file is deleted).
 *
 * @example
 * ```ts
 * try { await downloadFile(url, { sha256 }); } catch (e) { if (e instanceof ChecksumError) console.error(e.actual); }
 * ```
 */
export class ChecksumError extends Error {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `downloadFile: ${url}: SHA-256 is ${actual}, expected ${expected}; the download was deleted`,
    );
    this.name = 'ChecksumError';
  }
}
