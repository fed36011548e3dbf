/** Global setup of the browser tests: Debian's Chromium, installed on demand. */
import { needPackages } from "./need.js";

export default function setup(): void {
  needPackages("the browser tests", "chromium:chromium");
}
