/// <reference lib="dom" />
/** When timelines are drawn to fit their box rather than scaled from the usual width. */
export const NARROW_QUERY = "(max-width: 700px)";

/**
 * The width to draw a timeline in `box` at on a narrow screen, undefined on
 * a wide one; marks the box as narrow or not, so that its drawing is shown
 * at its own size rather than scaled from the usual width.
 */
export function fitsPhone(box: HTMLElement): number | undefined {
  const narrow = matchMedia(NARROW_QUERY).matches;
  box.classList.toggle("narrow", narrow);
  return narrow ? Math.max(260, Math.floor(box.clientWidth)) : undefined;
}
