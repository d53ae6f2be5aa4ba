#!/usr/bin/env bash
# Proves that a spec change is one reviewable diff (issue #12): on a scratch copy of the
# repository, add an optional field to `CardDetails` in openapi/lyra-v4.yaml and check that the
# API-surface snapshot test FAILS with a diff naming the new field. Exit 0 when it does.
#
# The scratch copy builds into $SPEC_CHANGE_TARGET (default: this repository's target/, whose
# dependencies are reused; the scratch crates get their own artifacts there).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
tar -C "$root" --exclude=./target --exclude=./.git -cf - . | tar -C "$scratch" -xf -

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
(cd "$scratch" && CARGO_TARGET_DIR="${SPEC_CHANGE_TARGET:-$root/target}" CI=true INSTA_UPDATE=no \
    cargo test -p pasarela --test it api_surface::lyra_api_surface -- --exact) >"$log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ]; then
    echo "FAIL: adding CardDetails.$field left the API-surface snapshot test green" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
if ! grep -q "+.*$field: Option<String> (optional)" "$log"; then
    echo "FAIL: the API-surface test failed, but not with a diff naming CardDetails.$field" >&2
    tail -n 60 "$log" >&2
    exit 1
fi
echo "OK: adding CardDetails.$field fails the API-surface snapshot with this diff:"
grep -E "^\s*[0-9]*\s*[0-9]*\s*│[+-]|$field" "$log" | head -n 20
