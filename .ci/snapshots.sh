#!/usr/bin/env bash
# Snapshot hygiene after a full test run (called by .ci/run): fails when a snapshot is pending
# (*.snap.new, *.pending-snap) or when a committed *.snap file was not read by any assertion of
# the run, i.e. an unreferenced snapshot (a test renamed or removed without its snapshot).
#
#   refs=$(mktemp); INSTA_SNAPSHOT_REFERENCES_FILE=$refs cargo test; .ci/snapshots.sh "$refs"
#
# insta (the library, no cargo-insta needed) appends the path of every snapshot file an
# assertion uses to INSTA_SNAPSHOT_REFERENCES_FILE; this is the list `cargo insta test
# --unreferenced=reject` compares against. Only the run's own assertions count: a snapshot used
# only by an #[ignore]d test would be reported (there is none).
set -euo pipefail
cd "$(dirname "$0")/.."
refs="${1:?usage: .ci/snapshots.sh REFERENCES_FILE}"
[ -s "$refs" ] || { echo "snapshots: $refs is empty: was the run made with INSTA_SNAPSHOT_REFERENCES_FILE?" >&2; exit 1; }

all_snaps() { find . \( -path ./target -o -path ./fuzz -o -path ./.git \) -prune -o -name "$1" -type f -print; }

status=0
pending="$( { all_snaps '*.snap.new'; all_snaps '*.pending-snap'; } | sort)"
if [ -n "$pending" ]; then
  echo "snapshots: pending snapshots (review them with cargo insta review, or delete them):" >&2
  printf '  %s\n' $pending >&2
  status=1
fi

# Both lists as canonical absolute paths (insta records paths such as tests/it/../../snapshots/…).
referenced="$(while IFS= read -r p; do realpath -m "$p"; done <"$refs" | sort -u)"
committed="$(all_snaps '*.snap' | while IFS= read -r p; do realpath -m "$p"; done | sort -u)"
unreferenced="$(comm -23 <(printf '%s\n' "$committed") <(printf '%s\n' "$referenced"))"
missing="$(comm -13 <(printf '%s\n' "$committed") <(printf '%s\n' "$referenced"))"
echo "snapshots: $(printf '%s\n' "$committed" | grep -c .) committed, $(printf '%s\n' "$referenced" | grep -c .) referenced by the run"
if [ -n "$unreferenced" ]; then
  echo "snapshots: unreferenced (no assertion of the run reads them; delete them or restore the test):" >&2
  printf '  %s\n' $unreferenced >&2
  status=1
fi
if [ -n "$missing" ]; then
  # With INSTA_UPDATE=no a missing snapshot already fails its test; listed for clarity.
  echo "snapshots: referenced but not committed:" >&2
  printf '  %s\n' $missing >&2
  status=1
fi
[ "$status" = 0 ] && echo "snapshots: OK (none pending, none unreferenced)"
exit "$status"
