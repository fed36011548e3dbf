/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Redraws the site's timelines to fit a phone's width. The pages carry each
 * timeline drawn for a page's column (800 units, scrolled sideways on a
 * phone) and, in a JSON script element inside its box, what it was drawn
 * from; on a narrow screen
 * this draws it again as wide as its box, one unit a pixel, so that every
 * label reads without scrolling. Back on a wide screen, the original returns.
 */
import type { Case } from "prot-conformance/browser";
import { renderTimeline, type TimelineOptions } from "../timeline.js";
import { waitsOf } from "../waits.js";
import { fitsPhone, NARROW_QUERY } from "./narrow.js";

/** What the JSON of a timeline holds. */
interface Drawing {
  c: Case;
  /** Draw the waits (computed here by the model). */
  waits?: boolean;
  o?: Omit<TimelineOptions, "waits" | "width">;
}

const narrow = matchMedia(NARROW_QUERY);
const original = new Map<HTMLElement, { html: string; d: Drawing }>();

function draw(): void {
  for (const el of document.querySelectorAll<HTMLElement>(".timeline")) {
    if (!original.has(el)) {
      const json = el.querySelector("script.tl-data")?.textContent;
      if (json === null || json === undefined) continue;
      original.set(el, { html: el.innerHTML, d: JSON.parse(json) as Drawing });
    }
    const { html, d } = original.get(el) as { html: string; d: Drawing };
    const width = fitsPhone(el);
    if (width === undefined) {
      el.innerHTML = html;
      continue;
    }
    el.innerHTML = renderTimeline(d.c, { ...d.o, waits: d.waits === true ? waitsOf(d.c) : undefined, width, idSuffix: `${d.o?.idSuffix ?? ""}narrow` });
  }
}

document.documentElement.classList.add("timelines-fit");
draw();
narrow.addEventListener("change", draw);
