#!/bin/sh
# Usage: fetch-source.sh RELEASE     (3.2.6, 3.6.1, 3.10.2 or 3.12.4)
#
# Unpacks the source of that cyrus-imapd release, as Debian packages it
# (upstream tarball plus Debian's patches), into build/src/RELEASE/ beside
# this script (git-ignored), and prints that directory. The source comes
# from Debian's archive through apt: this script keeps a deb-src list for
# bullseye, bookworm, trixie and sid (and their updates and security
# suites) in /etc/apt/sources.list.d/prot-events-cyrus-src.sources and runs
# apt-get update when that list is new or lacks the release.
#
# Every Debian revision of the release is tried, newest first, for each of
# the two files (the upstream tarball and the Debian tarball): a mirror may
# have dropped the files of a superseded revision, and the revisions of one
# release share their upstream tarball. Each file is checked against the
# SHA-256 that apt's signed source index gives. build/src/RELEASE/SOURCE
# names the files used. Needs root (or sudo) for the list and apt-get update.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
release=${1:?usage: fetch-source.sh RELEASE}
dest="$here/build/src/$release"
if [ -e "$dest/SOURCE" ]; then echo "$dest"; exit 0; fi
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
# Without root or password-less sudo, stop at once naming the command, as .ci/need does.
root_or_stop() {
    [ -z "$SUDO" ] && return 0
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && return 0
    echo "prot-events: missing for the Cyrus source builds: the source of cyrus-imapd $release (a deb-src list and apt-get update); run: sudo sh $0 $release" >&2
    exit 1
}
"$here/../../../.ci/need" "the Cyrus source builds" patch:patch xz-utils:xz

list=/etc/apt/sources.list.d/prot-events-cyrus-src.sources
want=$(cat <<'LIST'
# Written by prot-events (conformance/drivers/cyrus/fetch-source.sh): the
# source of cyrus-imapd for each Debian release, built by the C driver.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bullseye bullseye-updates bookworm bookworm-updates trixie sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bullseye-security bookworm-security trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
LIST
)
versions() {
    apt-cache showsrc cyrus-imapd 2>/dev/null | sed -n 's/^Version: //p' | grep "^$release-" | sort -u -r -V || true
}
# apt-get update fails as a whole when one list cannot be read (a suite
# whose Release file expired, a mirror down); the lists it did read still
# serve: what is missing is said below, naming the release.
update() {
    $SUDO apt-get update -qq >&2 || echo "fetch-source.sh: apt-get update failed on some lists (above); using those it read" >&2
}
if [ ! -e "$list" ] || [ "$(cat "$list")" != "$want" ]; then
    root_or_stop
    printf '%s\n' "$want" | $SUDO tee "$list" >/dev/null
    update
elif [ -z "$(versions)" ]; then
    root_or_stop
    update
fi
revs=$(versions)
if [ -z "$revs" ]; then
    echo "fetch-source.sh: apt knows no source of cyrus-imapd $release (deb-src lines in $list)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One file of the given kind (orig or debian), from the first revision whose
# mirror still has it. apt prints "'URI' name size SHA256:hash" per file;
# apt-helper downloads through apt's own transport and checks the hash. Each
# refusal (its URL and the archive's answer) goes to $tmp/refused.
fetch_kind() {
    for v in $revs; do
        apt-get source --print-uris -qq "cyrus-imapd=$v" 2>/dev/null | grep "\.$1\.tar\.[a-z0-9]*' " || true
    done > "$tmp/$1.uris"
    while read -r uri name _size hash; do
        uri=$(echo "$uri" | tr -d "'")
        if /usr/lib/apt/apt-helper -qq download-file "$uri" "$tmp/$name" "$hash" > "$tmp/answer" 2>&1; then
            echo "$name"
            return 0
        fi
        # apt-helper ends its error with the HTTP answer: "... 404  Not Found [IP: ...]".
        answer=$(sed 's/ *\[IP:.*//; s/  */ /g' "$tmp/answer" | grep -o ' [0-9][0-9][0-9] [A-Z].*' | head -n1)
        answer=${answer# }
        echo "$uri: ${answer:-$(tail -n1 "$tmp/answer")}" >> "$tmp/refused"
    done < "$tmp/$1.uris"
    return 1
}
: > "$tmp/refused"
orig=$(fetch_kind orig) || orig=
debian=$(fetch_kind debian) || debian=
if [ -z "$orig" ] || [ -z "$debian" ]; then
    missing=${orig:+Debian}; missing=${missing:-upstream}
    echo "fetch-source.sh: the Debian archive reached from here serves no $missing tarball of cyrus-imapd $release (revisions in apt's signed source index: $(echo $revs); answers: $(paste -s -d';' "$tmp/refused" | sed 's/;/; /g'))" >&2
    exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xf "$tmp/$orig" -C "$dest" --strip-components=1
tar -xf "$tmp/$debian" -C "$dest"
if [ -e "$dest/debian/patches/series" ]; then
    grep -v '^[[:space:]]*\(#\|$\)' "$dest/debian/patches/series" | while read -r p _; do
        patch -d "$dest" -p1 -s -N < "$dest/debian/patches/$p" >&2
    done
fi
printf '%s\n%s\n' "$orig" "$debian" > "$dest/SOURCE"
echo "$dest"
