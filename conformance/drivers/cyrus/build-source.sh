#!/bin/sh
# Usage: build-source.sh RELEASE     build the driver against that release's
#                                    source, as fetch-source.sh unpacks it
#        build-source.sh DIR         ... against a cyrus-imapd source tree
#
# Compiles lib/prot.c with the few lib/ files it needs (util.c for struct
# buf, imparse.c, nonblock_fcntl.c, xmalloc.c, assert.c, map_nommap.c,
# signals.c), source-config.h as its config.h and source-stubs.c, into a
# shared library, with gcov instrumentation (--coverage); then compiles
# driver.c (with driver-core.c and driver-json.c) against the tree's own lib/prot.h, so every offset into struct
# protstream comes from the compiler. lib/imapopts.h is generated from
# lib/imapoptions with the tree's tools/config2header, as its own build
# does. Output: build/<RELEASE or tree-NAME>/ beside this script
# (git-ignored), whose path is printed: driver, libprot.so, and the .gcno
# files that gcov reads.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:?usage: build-source.sh RELEASE|DIR}
"$here/../../../.ci/need" "the Cyrus source builds" gcc:gcc libc6-dev perl:perl libsasl2-dev valgrind:valgrind
case "$arg" in
    */*)
        tree=$(cd "$arg" && pwd)
        label="tree-$(basename "$tree")"
        release=$(sed -n 's/^AC_INIT([^,]*, *\[*\([0-9][0-9.]*\).*/\1/p' "$tree/configure.ac" 2>/dev/null | head -n1)
        release=${release:-unknown}
        name="cyrus-imapd prot layer, built from the source tree $tree"
        ;;
    *)
        tree=$("$here/fetch-source.sh" "$arg")
        label=$arg
        release=$arg
        name="cyrus-imapd prot layer, built from Debian's source $(tail -n1 "$tree/SOURCE" | sed 's/\.debian\.tar.*//; s/^cyrus-imapd_//')"
        ;;
esac
[ -e "$tree/lib/prot.c" ] || { echo "build-source.sh: $tree has no lib/prot.c" >&2; exit 1; }
out="$here/build/$label"
# Built in place (gcov writes its counts beside the objects, by the path
# they were compiled at); the driver appears last, when all is there.
rm -rf "$out"
mkdir -p "$out/include"
cp "$here/source-config.h" "$out/include/config.h"
(cd "$out/include" && perl "$tree/tools/config2header" imapopts.c imapopts.h < "$tree/lib/imapoptions")
profile="cyrus-$(echo "$release" | cut -d. -f1,2)"
cflags="-g -O0 -fPIC -w -I$out/include -I$tree/lib -I$tree"
# One object per file, named after it, so that gcov finds each .gcno.
objs=
for f in prot util imparse nonblock_fcntl xmalloc assert map_nommap signals; do
    gcc $cflags --coverage -c -o "$out/$f.o" "$tree/lib/$f.c"
    objs="$objs $out/$f.o"
done
gcc $cflags -c -o "$out/source-stubs.o" "$here/source-stubs.c"
# shellcheck disable=SC2086
gcc -shared --coverage -Wl,-soname,libprot.so -o "$out/libprot.so" $objs "$out/source-stubs.o"
# As build.sh: the executable exports time, select, pselect, read and fatal.
gcc -O2 -g -Wall -Wextra -std=gnu11 -rdynamic -DPROT_FROM_SOURCE \
    -DDRIVER_NAME="\"$name\"" -DDRIVER_VERSION="\"$release\"" -DDRIVER_PROFILE="\"$profile\"" \
    -I"$here" -I"$out/include" -I"$tree/lib" -I"$tree" \
    -o "$out/driver.tmp" "$here/driver.c" "$here/driver-core.c" "$here/driver-json.c" "$out/libprot.so" -Wl,-rpath,'$ORIGIN' --coverage
printf '%s\n' "$tree" > "$out/TREE"
mv "$out/driver.tmp" "$out/driver"
echo "$out"
