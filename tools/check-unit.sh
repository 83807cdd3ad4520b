#!/bin/sh
# Checks config/sigex.service the way the README promises:
#   * `systemd-analyze verify` prints nothing at all, for the unit alone and with each drop-in
#     (config/sigex.service.d/paper.conf, rotate-keys.conf);
#   * `systemd-analyze security --offline=yes` scores 2.0 or better.
# verify resolves ExecStart, so the unit is checked with ExecStart pointing at the built
# binary (argument 1) instead of /usr/local/bin/sigex; nothing else changes.
#   tools/check-unit.sh build/sigex
set -eu
cd "$(dirname "$0")/.."
binary="$(readlink -f "${1:-build/sigex}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/bin/sigex#$binary#" config/sigex.service > "$work/sigex.service"

# verify_clean LABEL [DROP-IN]: systemd-analyze verify prints nothing for the unit, alone or
# with one drop-in loaded from the unit's directory as systemd would.
verify_clean() {
  rm -rf "$work/sigex.service.d"
  if [ -n "${2:-}" ]; then
    mkdir "$work/sigex.service.d"
    cp "$2" "$work/sigex.service.d/"
  fi
  output="$(SYSTEMD_UNIT_PATH="$work:" systemd-analyze verify "$work/sigex.service" 2>&1)" || {
    echo "check-unit: systemd-analyze verify $1 failed:"; echo "$output"; exit 1; }
  if [ -n "$output" ]; then
    echo "check-unit: systemd-analyze verify $1 printed something (it must print nothing):"
    echo "$output"
    exit 1
  fi
}
verify_clean "of the unit"
verify_clean "with the paper drop-in" config/sigex.service.d/paper.conf
# The key-rotation drop-in (files read at reload instead of credentials read at start).
verify_clean "with the rotate-keys drop-in" config/sigex.service.d/rotate-keys.conf
rm -rf "$work/sigex.service.d"
if [ "$(sed -n 's/^Documentation=file://p' config/sigex.service)" != "/usr/local/share/doc/sigex/README.md" ]; then
  echo "check-unit: Documentation= must point at the installed README"; exit 1
fi

report="$(systemd-analyze security --offline=yes "$work/sigex.service" 2>&1)"
score="$(echo "$report" | sed -n 's/.*Overall exposure level for sigex.service: \([0-9.]*\).*/\1/p')"
if [ -z "$score" ]; then
  echo "check-unit: no exposure level in:"; echo "$report"; exit 1
fi
if ! awk -v score="$score" 'BEGIN { exit !(score <= 2.0) }'; then
  echo "$report"
  echo "check-unit: exposure level $score is above 2.0"
  exit 1
fi
echo "check-unit: verify clean, exposure level $score (limit 2.0)"
