/**
 * The npm name of this package. Its models and methods arrive with the text issues; until then the
 * building blocks live in @selfsup/core (see the package README).
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@selfsup/text';
 * console.log(PACKAGE_NAME); // '@selfsup/text'
 * ```
 */
export const PACKAGE_NAME = '@selfsup/text';
