#!/usr/bin/env bash
# Soak of `pasarela sandbox` (issue 16): the release binary on loopback, normal payments next to
# at least 20 % hostile requests (slow connections held open, 1 MB bodies, concurrent pays of one
# formToken, updates with new unknown keys), driven by sandbox/examples/soak.rs. Fails when a
# normal request failed, a payment was lost or duplicated, the sandbox's RSS went over
# SOAK_MAX_RSS_MB (256) or the normal requests' p99 over SOAK_MAX_P99_MS (50).
#
#   bash .ci/soak.sh                       # 60 s (CI)
#   SOAK_SECONDS=600 bash .ci/soak.sh      # the ≥10 min version of FUZZING.md
#
# Extra arguments go to the soak tool (e.g. --workers 32 --slow 64).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SECONDS_="${SOAK_SECONDS:-60}"

step() { printf '\n=== %s ===\n' "$*"; }

step "soak: build the soak tool (release)"
cargo build --quiet --release -p pasarela-sandbox --example soak

step "soak: build and start the sandbox (release)"
# Starts it, exports SANDBOX_URL and SANDBOX_PID, and stops it on exit.
SANDBOX_PROFILE=release source .ci/sandbox.sh

step "soak: ${SECONDS_}s"
status=0
target/release/examples/soak --url "$SANDBOX_URL" --pid "$SANDBOX_PID" --duration "$SECONDS_" \
  --max-rss-mib "${SOAK_MAX_RSS_MB:-256}" --max-p99-ms "${SOAK_MAX_P99_MS:-50}" "$@" || status=$?
if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then echo "soak: the sandbox died" >&2; status=1; fi
[ "$status" = 0 ] && echo "soak: OK"
exit "$status"
