/**
 * The one HTML escaper of the site, kept apart from the Markdown renderer so
 * that the playground's browser bundle can draw timelines without it.
 */

/** Escapes text for HTML and SVG: content and attribute values, in either quotes. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
