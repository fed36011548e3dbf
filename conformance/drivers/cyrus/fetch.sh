#!/bin/sh
# Usage: fetch.sh [bookworm|bullseye]
#
# Obtains the compiled Cyrus prot layer that Debian ships (package
# cyrus-common) without installing Cyrus: the package is downloaded and
# unpacked beside this script (git-ignored), Debian 12's (bookworm, 3.6.1,
# the default) into .deb/, Debian 11's (bullseye, 3.2.6) into
# .deb-bullseye/. Debian 11's library links libraries that Debian 12 no
# longer has (libicu67, libssl1.1): their bullseye packages are unpacked
# beside it. Bullseye's packages come through an apt of their own (its
# sources list, lists and cache under .deb-bullseye/apt/, the signatures
# checked against debian-archive-keyring), so that the system's apt never
# sees bullseye. Only bullseye's main pool: its security suite lists
# 3.2.6-2+deb11u4+b1, whose files the archive reached from here does not
# serve (404). Also installs,
# through apt (.ci/need, which says so in one line or names the command to
# run), what the library needs at run time and what the driver needs to
# build (gcc) and to run under valgrind (valgrind, whose
# valgrind.h the driver uses when it is there). Idempotent and
# non-interactive; needs root (or password-less sudo) for apt-get install.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
suite=${1:-bookworm}
case "$suite" in
    bookworm) deb_dir="$here/.deb" ;;
    bullseye) deb_dir="$here/.deb-bullseye" ;;
    *) echo "usage: fetch.sh [bookworm|bullseye]" >&2; exit 2 ;;
esac
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
packages="libpcre3 libicu72 libsasl2-2 libssl3 libkrb5-3 libpq5 zlib1g libsqlite3-0 valgrind:valgrind gcc:gcc libc6-dev"
"$here/../../../.ci/need" "the C driver" $packages

# apt-get download writes into the current directory.
download() {
    if [ "$suite" = bookworm ]; then
        if ! (cd "$1" && apt-get download -qq cyrus-common >/dev/null 2>&1); then
            apt_update_once
            (cd "$1" && apt-get download -qq cyrus-common)
        fi
        return
    fi
    apt_root="$1/apt"
    mkdir -p "$apt_root/lists/partial" "$apt_root/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" > "$apt_root/sources.list"
    set -- "$1" -o Dir::Etc::SourceList="$apt_root/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
        -o Dir::State::Lists="$apt_root/lists" -o Dir::Cache="$apt_root/cache" -o APT::Sandbox::User=root
    dir=$1
    shift
    apt-get "$@" update -qq
    (cd "$dir" && apt-get "$@" download -qq cyrus-common libicu67 libssl1.1)
}

if [ ! -e "$lib_dir/libcyrus.so.0" ] || [ ! -e "$lib_dir/libcyrus_min.so.0" ]; then
    echo "prot-events: downloading cyrus-common of Debian $suite, Debian's compiled Cyrus prot layer, for the C driver (apt-get download cyrus-common)" >&2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    download "$tmp"
    rm -rf "$deb_dir"
    mkdir -p "$deb_dir"
    for deb in "$tmp"/*.deb; do
        dpkg -x "$deb" "$deb_dir"
    done
    ls "$tmp"/*.deb | sed 's|.*/||' > "$deb_dir/PACKAGE"
fi

# Every library the two need must resolve.
if LD_LIBRARY_PATH="$lib_dir" ldd "$lib_dir/libcyrus.so.0" "$lib_dir/libcyrus_min.so.0" | grep -q "not found"; then
    echo "fetch.sh: libraries still missing:" >&2
    LD_LIBRARY_PATH="$lib_dir" ldd "$lib_dir/libcyrus.so.0" "$lib_dir/libcyrus_min.so.0" | grep "not found" >&2
    exit 1
fi
