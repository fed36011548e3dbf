#!/bin/sh
# Usage: build.sh [bookworm|bullseye]
#
# Builds the driver against the libcyrus.so.0 and libcyrus_min.so.0 that
# Debian ships, unpacked by fetch.sh: Debian 12's (3.6.1, the default) from
# .deb/ into build/driver, Debian 11's (3.2.6) from .deb-bullseye/ into
# build/shipped-bullseye/driver.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:-bookworm}
case "$suite" in
    bookworm)
        lib="$here/.deb/usr/lib/x86_64-linux-gnu"
        out="$here/build"
        set --
        ;;
    bullseye)
        lib="$here/.deb-bullseye/usr/lib/x86_64-linux-gnu"
        out="$here/build/shipped-bullseye"
        # Debian 11's struct protstream keeps its event list's head at 0xf0,
        # as its prot_addwaitevent() reads it (Debian 12's: 0x100); the other
        # offsets are Debian 12's. The start-up check tests every one.
        set -- -DOFF_WAITEVENT=0xf0 -DDRIVER_VERSION='"3.2.6"' -DDRIVER_PROFILE='"cyrus-3.2"' \
            -DDRIVER_NAME='"cyrus-imapd prot layer, as Debian 11 ships it compiled"'
        ;;
    *) echo "usage: build.sh [bookworm|bullseye]" >&2; exit 2 ;;
esac
if [ ! -e "$lib/libcyrus.so.0" ] || ! command -v valgrind >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
    "$here/fetch.sh" "$suite"
fi
mkdir -p "$out"
# The executable must export time, select, pselect, read and fatal so that
# the library's calls bind to them: -rdynamic makes sure of it. The rpath is
# an old-style DT_RPATH (--disable-new-dtags), which also serves the
# libraries' own dependencies: Debian 11's libcyrus.so.0 finds the libicu67
# and libssl1.1 unpacked beside it.
# driver.c is the I/O layer (pipes, the kernel, valgrind); driver-core.c the
# case logic it shares with wasm-driver.c; driver-json.c their JSON.
gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic "$@" \
    -o "$out/driver.tmp" "$here/driver.c" "$here/driver-core.c" "$here/driver-json.c" \
    "$lib/libcyrus.so.0" "$lib/libcyrus_min.so.0" \
    -Wl,--disable-new-dtags,-rpath,"$lib"
mv "$out/driver.tmp" "$out/driver"
