/// <reference lib="dom" />
/** When timelines are drawn to fit their box rather than scaled from the usual width. */
export const NARROW_QUERY = "(max-width: 700px)";

/** The width to draw a timeline in `box` at, on a narrow screen; undefined on a wide one. */
export function fitsPhone(box: HTMLElement): number | undefined {
  if (!matchMedia(NARROW_QUERY).matches) return undefined;
  return Math.max(260, Math.floor(box.clientWidth));
}
