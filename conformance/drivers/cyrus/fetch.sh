#!/bin/sh
# Obtains the compiled Cyrus prot layer that Debian 12 ships (package
# cyrus-common, 3.6.1) without installing Cyrus: the package is downloaded
# and unpacked into .deb/ beside this script (git-ignored). Also installs,
# through apt (.ci/need, which says so in one line or names the command to
# run), what the library needs at run time and what the driver needs to
# build (gcc, libjansson-dev) and to run under valgrind (valgrind, whose
# valgrind.h the driver uses when it is there). Idempotent and
# non-interactive; needs root (or password-less sudo) for apt-get install.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
deb_dir="$here/.deb"
lib_dir="$deb_dir/usr/lib/x86_64-linux-gnu"
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi

updated=no
apt_update_once() {
    if [ "$updated" = no ]; then
        $SUDO apt-get update -qq
        updated=yes
    fi
}

# The packages of the libraries that libcyrus.so.0 and libcyrus_min.so.0
# name as NEEDED (ldd shows libpcreposix.so.3 missing on a bare Debian 12;
# the others come with most systems, and apt brings what they need in
# turn), then the driver's JSON library and valgrind.
packages="libpcre3 libicu72 libsasl2-2 libssl3 libkrb5-3 libpq5 zlib1g libsqlite3-0 libjansson-dev valgrind:valgrind gcc:gcc libc6-dev"
"$here/../../../.ci/need" "the C driver" $packages

if [ ! -e "$lib_dir/libcyrus.so.0" ] || [ ! -e "$lib_dir/libcyrus_min.so.0" ]; then
    echo "prot-events: downloading cyrus-common, Debian's compiled Cyrus prot layer, for the C driver (apt-get download cyrus-common)" >&2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # apt-get download writes into the current directory.
    if ! (cd "$tmp" && apt-get download -qq cyrus-common >/dev/null 2>&1); then
        apt_update_once
        (cd "$tmp" && apt-get download -qq cyrus-common)
    fi
    rm -rf "$deb_dir"
    mkdir -p "$deb_dir"
    dpkg -x "$tmp"/cyrus-common_*.deb "$deb_dir"
    ls "$tmp"/cyrus-common_*.deb | sed 's|.*/||' > "$deb_dir/PACKAGE"
fi

# Every library the two need must resolve.
if LD_LIBRARY_PATH="$lib_dir" ldd "$lib_dir/libcyrus.so.0" "$lib_dir/libcyrus_min.so.0" | grep -q "not found"; then
    echo "fetch.sh: libraries still missing:" >&2
    LD_LIBRARY_PATH="$lib_dir" ldd "$lib_dir/libcyrus.so.0" "$lib_dir/libcyrus_min.so.0" | grep "not found" >&2
    exit 1
fi
