#!/bin/sh
# Builds bench/c/build/select_scaling against Debian's libcyrus.so.0 and
# libcyrus_min.so.0, unpacked (with their run-time dependencies installed) by
# conformance/drivers/cyrus/fetch.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cyrus="$here/../../conformance/drivers/cyrus"
lib="$cyrus/.deb/usr/lib/x86_64-linux-gnu"
if [ ! -e "$lib/libcyrus.so.0" ]; then "$cyrus/fetch.sh"; fi
mkdir -p "$here/build"
# -rdynamic exports fatal() so that the library's calls bind to it.
gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic \
    -o "$here/build/select_scaling.tmp" "$here/select_scaling.c" \
    "$lib/libcyrus.so.0" "$lib/libcyrus_min.so.0" -Wl,-rpath,"$lib"
mv "$here/build/select_scaling.tmp" "$here/build/select_scaling"
