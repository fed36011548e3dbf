#!/bin/sh
# Builds bench/c/build/fgets_count, dispatch, timers, select_scaling and
# select_server against Debian's libcyrus.so.0 and libcyrus_min.so.0,
# unpacked by conformance/drivers/cyrus/fetch.sh into
# conformance/drivers/cyrus/.deb/ (fetched first if missing), and reader64k,
# memchr_count, serve_file and select_driver, which need no library.
# Rebuilds only what is older than its source, the headers here, the
# declarations of the library or this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
driver="$here/../../conformance/drivers/cyrus"
lib="$driver/.deb/usr/lib/x86_64-linux-gnu"
if [ ! -e "$lib/libcyrus.so.0" ] || [ ! -e "$lib/libcyrus_min.so.0" ]; then
    "$driver/fetch.sh"
fi
lib=$(cd "$lib" && pwd)
mkdir -p "$here/build"
# Whether $1 is missing or older than its source, a header here, the library's declarations or this script.
stale() {
    [ ! -x "$here/build/$1" ] && return 0
    for dep in "$here/$1.c" "$here"/*.h "$driver/libcyrus.h" "$here/build.sh"; do
        [ "$dep" -nt "$here/build/$1" ] && return 0
    done
    return 1
}
for prog in fgets_count dispatch timers select_scaling select_server; do
    bin="$here/build/$prog"
    if stale "$prog"; then
        # -rdynamic: whichever of time(), select(), pselect() and fatal() the
        # program defines must be the ones the library's calls bind to.
        gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic \
            -o "$bin.tmp" "$here/$prog.c" \
            "$lib/libcyrus.so.0" "$lib/libcyrus_min.so.0" \
            -Wl,-rpath,"$lib" -ldl -lm
        mv "$bin.tmp" "$bin"
    fi
done
# The programs that need no libcyrus.
for prog in reader64k memchr_count serve_file select_driver; do
    bin="$here/build/$prog"
    if stale "$prog"; then
        gcc -O2 -g -Wall -Wextra -std=gnu11 -o "$bin.tmp" "$here/$prog.c"
        mv "$bin.tmp" "$bin"
    fi
done
