/**
 * Records the commit dist/ was built from, in dist/build-revision.json: the
 * step of `npm run bench` right after its build. Every results file the
 * benchmarks then write names that commit (see `revision` in bench/lib.ts),
 * so a source edited during the run, which the benchmarks do not run, does
 * not make a clean build look dirty. The next build removes dist/ and the
 * stamp with it; a stamp older than dist/ is ignored.
 *
 * Usage: tsx bench/stamp.ts
 */
import { writeBuildStamp } from "./lib.js";

writeBuildStamp();
