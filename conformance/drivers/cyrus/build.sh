#!/bin/sh
# Builds the driver into build/ beside this script, against Debian's
# libcyrus.so.0 and libcyrus_min.so.0 unpacked by fetch.sh into .deb/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib="$here/.deb/usr/lib/x86_64-linux-gnu"
if [ ! -e "$lib/libcyrus.so.0" ] || [ ! -e /usr/include/jansson.h ] || ! command -v valgrind >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
    "$here/fetch.sh"
fi
mkdir -p "$here/build"
# The executable must export time, select, pselect, read and fatal so that
# the library's calls bind to them: -rdynamic makes sure of it.
gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic \
    -o "$here/build/driver.tmp" "$here/driver.c" \
    "$lib/libcyrus.so.0" "$lib/libcyrus_min.so.0" \
    -Wl,-rpath,"$lib" -ljansson
mv "$here/build/driver.tmp" "$here/build/driver"
