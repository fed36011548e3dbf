#!/bin/sh
# Usage: build-wasm.sh RELEASE
#
# Builds lib/prot.c of that cyrus-imapd release, from Debian's source as
# fetch-source.sh unpacks it, to WebAssembly with Debian's emscripten:
# the same lib/ files as build-source.sh (less nonblock_fcntl.c, whose
# nonblock() wasm-driver.c provides over its own descriptors), the same
# source-config.h and source-stubs.c, linked with wasm-driver.c (the I/O
# layer of WebAssembly) and the case logic it shares with driver.c
# (driver-core.c, driver-json.c). Output:
# build/wasm-RELEASE/cyrus-prot.cjs beside this script (git-ignored), one
# script with the WebAssembly inlined (it loads from file: too), whose path
# is printed. Does nothing when that file is newer than its sources.
# About 35 s the first time on a busy 2-core machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
release=${1:?usage: build-wasm.sh RELEASE}
out="$here/build/wasm-$release"
js="$out/cyrus-prot.cjs"
fresh() {
    [ -e "$js" ] && [ -z "$(find "$here/wasm-driver.c" "$here/driver-core.c" "$here/driver-core.h" "$here/driver-json.c" "$here/driver-json.h" "$here/source-stubs.c" "$here/source-config.h" "$here/deviations.h" "$here/prot-source.h" "$0" -newer "$js")" ]
}
if fresh; then echo "$js"; exit 0; fi
"$here/../../../.ci/need" "the C original in the site's playground (WebAssembly)" emscripten:emcc perl:perl libsasl2-dev
# The lock that run takes: a driver build of the same release fetches into
# the same source directory.
mkdir -p "$here/build"
exec 9>"$here/build/lock"
flock 9
if fresh; then echo "$js"; exit 0; fi
tree=$("$here/fetch-source.sh" "$release")
rm -rf "$out"
mkdir -p "$out/include/sasl"
cp "$here/source-config.h" "$out/include/config.h"
(cd "$out/include" && perl "$tree/tools/config2header" imapopts.c imapopts.h < "$tree/lib/imapoptions") 2>/dev/null
# prot.h includes <sasl/sasl.h>, for types only; emscripten's sysroot has no SASL.
cp /usr/include/sasl/*.h "$out/include/sasl/"
# Debian's emscripten finds its JavaScript tools (acorn) in Debian's node
# module directory, which a Node from elsewhere does not search by itself.
NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
export NODE_PATH
cflags="-O2 -w -I$out/include -I$tree/lib -I$tree"
objs=
for f in prot util imparse xmalloc assert map_nommap signals; do
    emcc $cflags -c -o "$out/$f.o" "$tree/lib/$f.c"
    objs="$objs $out/$f.o"
done
emcc $cflags -c -o "$out/source-stubs.o" "$here/source-stubs.c"
name="cyrus-imapd prot layer in WebAssembly, built from Debian's source $(tail -n1 "$tree/SOURCE" | sed 's/\.debian\.tar.*//; s/^cyrus-imapd_//')"
profile="cyrus-$(echo "$release" | cut -d. -f1,2)"
for f in wasm-driver driver-core driver-json; do
    emcc -O2 -Wall -Wextra -DPROT_FROM_SOURCE -I"$here" -I"$out/include" -I"$tree/lib" -I"$tree" \
        -DDRIVER_NAME="\"$name\"" -DDRIVER_VERSION="\"$release\"" -DDRIVER_PROFILE="\"$profile\"" \
        -c -o "$out/$f.o" "$here/$f.c"
done
# The stubs are declared without their signatures (none of them returns): wasm-ld warns of each.
# shellcheck disable=SC2086
emcc -O2 -o "$out/cyrus-prot.js" "$out/wasm-driver.o" "$out/driver-core.o" "$out/driver-json.o" $objs "$out/source-stubs.o" \
    -sMODULARIZE=1 -sEXPORT_NAME=createCyrusProt -sEXPORTED_FUNCTIONS=_wd_run,_wd_info \
    -sEXPORTED_RUNTIME_METHODS=ccall -sSINGLE_FILE=1 -sENVIRONMENT=web,node -sALLOW_MEMORY_GROWTH=1 \
    2>"$out/link.log" || { cat "$out/link.log" >&2; exit 1; }
mv "$out/cyrus-prot.js" "$js"
echo "$js"
