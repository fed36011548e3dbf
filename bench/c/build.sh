#!/bin/sh
# Builds bench/c/build/fgets_count and bench/c/build/dispatch against
# Debian's libcyrus.so.0 and libcyrus_min.so.0, unpacked by
# conformance/drivers/cyrus/fetch.sh into conformance/drivers/cyrus/.deb/
# (fetched first if missing). Rebuilds only what is older than its source.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
driver="$here/../../conformance/drivers/cyrus"
lib="$driver/.deb/usr/lib/x86_64-linux-gnu"
if [ ! -e "$lib/libcyrus.so.0" ] || [ ! -e "$lib/libcyrus_min.so.0" ]; then
    "$driver/fetch.sh"
fi
lib=$(cd "$lib" && pwd)
mkdir -p "$here/build"
for prog in fgets_count dispatch; do
    if [ ! -x "$here/build/$prog" ] || [ "$here/$prog.c" -nt "$here/build/$prog" ] || [ "$0" -nt "$here/build/$prog" ]; then
        # -rdynamic: the executable's time(), select(), pselect() and fatal()
        # must be the ones the library's calls bind to.
        gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic \
            -o "$here/build/$prog.tmp" "$here/$prog.c" \
            "$lib/libcyrus.so.0" "$lib/libcyrus_min.so.0" \
            -Wl,-rpath,"$lib"
        mv "$here/build/$prog.tmp" "$here/build/$prog"
    fi
done
