#!/usr/bin/env bash
# Proves that a spec change is one reviewable diff (issue #12): on a scratch copy of the
# repository, add an optional field to `CardDetails` in openapi/lyra-v4.yaml and check that the
# API-surface snapshot test FAILS with a diff naming the new field. Exit 0 when it does.
#
# Cheap by construction: the scratch copy builds into $SPEC_CHANGE_TARGET (default: this
# repository's target/, so every dependency already built by `cargo test` is reused and only the
# `pasarela` crate and its `it` test binary are compiled), and it always lives at the same path
# ($SPEC_CHANGE_DIR, default target/spec-change-scratch) so repeated runs overwrite the same
# artifacts instead of piling up new ones. Prints one line starting with PASS or FAIL.
#
# Usage (from .ci/run, after `cargo test` has filled target/):  .ci/spec-change.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${SPEC_CHANGE_TARGET:-${CARGO_TARGET_DIR:-$root/target}}"
scratch="${SPEC_CHANGE_DIR:-$target/spec-change-scratch}"
rm -rf "$scratch"
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT
tar -C "$root" --exclude=./target --exclude=./.git --exclude=./fuzz/target -cf - . | tar -C "$scratch" -xf -

field="specChangeProbe"
python3 - "$scratch/openapi/lyra-v4.yaml" "$field" <<'PY'
import sys
path, field = sys.argv[1], sys.argv[2]
text = open(path).read()
anchor = "    CardDetails:\n      type: object\n"
start = text.index(anchor)
props = text.index("      properties:\n", start) + len("      properties:\n")
text = text[:props] + f"        {field}: {{type: string, nullable: true}}\n" + text[props:]
open(path, "w").write(text)
PY

log="$scratch/test.log"
set +e
(cd "$scratch" && CARGO_TARGET_DIR="$target" CI=true INSTA_UPDATE=no \
    cargo test -p pasarela --test it api_surface::lyra_api_surface -- --exact) >"$log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ]; then
    tail -n 30 "$log" >&2
    echo "FAIL: adding CardDetails.$field left the API-surface snapshot test green"
    exit 1
fi
if ! grep -q "+.*$field: Option<String> (optional)" "$log"; then
    tail -n 60 "$log" >&2
    echo "FAIL: the API-surface test failed, but not with a diff naming CardDetails.$field"
    exit 1
fi
grep -E "│[+-]|$field" "$log" | head -n 20
echo "PASS: adding CardDetails.$field fails the API-surface snapshot with a diff naming it (spec changes are one reviewable diff)"
