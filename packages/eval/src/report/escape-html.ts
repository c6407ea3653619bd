/**
 * Escapes text for HTML / SVG content and attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<b> & "x"'); // '&lt;b&gt; &amp; &quot;x&quot;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
