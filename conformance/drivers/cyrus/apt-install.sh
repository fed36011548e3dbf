#!/bin/sh
# Installs, through apt, those of the packages named as arguments that are
# not installed yet. Asks apt with the lists it has first and refreshes them
# (apt-get update) only when one of the packages is unknown to them.
# Non-interactive; needs root (or sudo).
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
missing=
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -n "$missing" ] || exit 0
for p in $missing; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then $SUDO apt-get update -qq; break; fi
done
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
