#!/bin/sh
# clang-tidy (.clang-tidy: bug-prone, performance and concurrency checks) and clang-format
# (.clang-format) over the C++ files a change touches; exits non-zero on any finding.
# Usage: tools/tidy.sh [BASE]     the change is BASE..working tree (default: HEAD~1)
# Needs build/compile_commands.json (cmake --preset werror) and Debian's clang-tidy and
# clang-format (tools/install-deps.sh --test installs them).
set -eu
cd "$(dirname "$0")/.."
base="${1:-HEAD~1}"
if [ ! -f build/compile_commands.json ]; then
  echo "tools/tidy.sh: build/compile_commands.json is missing: run cmake --preset werror first" >&2
  exit 2
fi
files=$(git diff --name-only --diff-filter=AMR "$base" -- '*.cpp' '*.h')
if [ -z "$files" ]; then
  echo "tools/tidy.sh: no C++ file changed since $base"
  exit 0
fi
status=0
# Formatting: every touched file as .clang-format lays it out.
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files || status=1
# Analysis: a source through its own compile command; a header through the translation unit
# that the header self-containment check built for it (build/tests/header_check/).
units=""
for file in $files; do
  case "$file" in
    *.cpp) grep -q "\"file\": \"$(pwd)/$file\"" build/compile_commands.json && units="$units $file" ;;
    *.h)
      unit="build/tests/header_check/$(printf '%s' "$file" | tr -c 'A-Za-z0-9\n' '_').cpp"
      [ -f "$unit" ] && units="$units $unit" ;;
  esac
done
if [ -n "$units" ]; then
  # shellcheck disable=SC2086
  clang-tidy -p build --quiet $units || status=1
fi
[ "$status" -eq 0 ] && echo "tools/tidy.sh: clean ($(echo "$files" | wc -l) files since $base)"
exit "$status"
