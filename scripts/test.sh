#!/usr/bin/env bash
# Runs every test project and ends with one summary line: "N passed, N failed, N skipped", after the failures if any.
set -uo pipefail
cd "$(dirname "$0")/.."
export MOAT_DIST="$PWD/dist"
log=$(mktemp)
dotnet test Moat.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
read -r passed failed skipped < <(awk '
  /(Passed|Failed)!  *- Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i+1) + 0 }
      if ($i == "Passed:")  { p += $(i+1) + 0 }
      if ($i == "Skipped:") { s += $(i+1) + 0 }
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$log")
# CI shows the end of this output: repeat each failure (name, message and the top of its stack) down here.
if [ "$failed" -ne 0 ]; then
  echo "failed tests:"
  awk '/^  Failed [A-Za-z_]/ { n = 12 } n > 0 { print; n-- }' "$log"
fi
rm -f "$log"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
