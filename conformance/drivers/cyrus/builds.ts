/**
 * The builds of the C prot layer that the suite runs: the compiled library
 * as Debian 12 (3.6.1) and Debian 11 (3.2.6) ship it, and `lib/prot.c` of every cyrus-imapd release whose
 * source Debian's archive carries, each built from its own source by
 * `build-source.sh` (see README.md beside this file). One list, read by the
 * tests, the site's matrix and the compatibility page's figures.
 */

/** One build of the C prot layer, and the command line that runs it under the suite. */
export interface CyrusBuild {
  /** Short label: `shipped`, `shipped-3.2.6` or the release number. */
  label: string;
  /** The release the driver says it runs. */
  version: string;
  /** What it is, for a column or a row. */
  title: string;
  /** What it is, in a sentence: "Debian 12's binary", "3.12.4 from source". */
  name: string;
  /** The driver command, started without a shell. */
  command: string;
  /** The profile the driver claims. */
  profile: string;
}

/** The run script; `CYRUS_SHIPPED`, `CYRUS_RELEASE` and `CYRUS_SOURCE` choose the build. */
export const CYRUS_RUN = "conformance/drivers/cyrus/run";

/** The release of each Debian suite whose deb-src lines `fetch-source.sh` keeps. */
export const CYRUS_RELEASES: readonly { release: string; suite: string }[] = [
  { release: "3.2.6", suite: "bullseye" },
  { release: "3.6.1", suite: "bookworm" },
  { release: "3.10.2", suite: "trixie" },
  { release: "3.12.4", suite: "sid" },
];

/** Debian's binaries first, then each release built from source. */
export function cyrusBuilds(): CyrusBuild[] {
  return [
    { label: "shipped", version: "3.6.1", title: "Cyrus 3.6.1 (C), as Debian 12 ships it", name: "Debian 12's binary", command: CYRUS_RUN, profile: "cyrus-3.6" },
    {
      label: "shipped-3.2.6",
      version: "3.2.6",
      title: "Cyrus 3.2.6 (C), as Debian 11 ships it",
      name: "Debian 11's binary",
      command: `env CYRUS_SHIPPED=bullseye ${CYRUS_RUN}`,
      profile: "cyrus-3.2",
    },
    ...CYRUS_RELEASES.map(({ release, suite }) => ({
      label: release,
      version: release,
      title: `Cyrus ${release} (C), built from Debian's source (${suite})`,
      name: `${release} from source`,
      command: `env CYRUS_RELEASE=${release} ${CYRUS_RUN}`,
      profile: `cyrus-${release.split(".").slice(0, 2).join(".")}`,
    })),
  ];
}

/** The same command as a reader types it in a shell. */
export function shellCommand(build: CyrusBuild): string {
  const [env, ...rest] = build.command.startsWith("env ") ? build.command.slice(4).split(" ") : ["", build.command];
  return `${env ? `${env} ` : ""}npx prot-conformance --driver ${rest.join(" ")}`;
}
