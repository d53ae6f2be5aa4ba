#!/usr/bin/env bash
# What code generation costs users: the cold `cargo build` and the rebuild after touching
# openapi/lyra-v4.yaml, with the share of build.rs (progenitor) and of compiling the generated
# code, from cargo's --timings data. See BENCHMARKS.md.
#
#   benches/build-cost.sh             # this crate's cold build and rebuilds (BENCHMARKS.md section 6)
#   benches/build-cost.sh merchant    # merchant apps on pasarela vs async-stripe, alternating runs
#                                     # (benches/merchant-build-cost.sh; BENCHMARKS.md section 8)
#
# Environment (all optional):
#   COLD_TARGET=/tmp/pasarela-cold   the separate target dir (emptied first: a cold build)
#   SRC_COPY=1                       build a copy of the work tree (default), so that touching the
#                                    spec does not invalidate the shared target dir of the repo;
#                                    SRC_COPY=0 builds the repo itself
#   PROFILE_ARGS=""                  extra cargo args, e.g. "--release"
#   SKIP_COLD=1                      reuse COLD_TARGET as it is (only the rebuilds are measured)
#
# Never touches the repo's own target/ directory.
set -euo pipefail
if [ "${1:-}" = merchant ]; then
  exec "$(dirname "$0")/merchant-build-cost.sh"
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COLD_TARGET="${COLD_TARGET:-/tmp/pasarela-cold}"
SRC_COPY="${SRC_COPY:-1}"
PROFILE_ARGS="${PROFILE_ARGS:-}"
SKIP_COLD="${SKIP_COLD:-0}"

log() { printf '== %s\n' "$*" >&2; }

if [ "$SRC_COPY" = 1 ]; then
  SRC=/tmp/pasarela-build-cost-src
  log "copying the work tree to $SRC (without target/, .git/ and fuzzing state)"
  rm -rf "$SRC"
  mkdir -p "$SRC"
  # A fresh copy with the files' own mtimes: with SKIP_COLD=1, cargo still sees unchanged files
  # as unchanged and rebuilds only what differs from the work tree of the cold build.
  tar -C "$ROOT" --exclude=./target --exclude=./.git --exclude=./fuzz/target --exclude=./fuzz/corpus \
    --exclude=./fuzz/artifacts -cf - . | tar -C "$SRC" -xf -
else
  SRC="$ROOT"
fi
cd "$SRC"
export CARGO_TARGET_DIR="$COLD_TARGET"
export CARGO_TERM_COLOR=never

# Seconds (with decimals) a command takes.
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >&2
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}

# What the last --timings report says: units rebuilt, pasarela's own units, the slowest ones, and
# the units that only code generation needs (progenitor and what it pulls in for build.rs).
report_units() { # label
  local html
  html="$(ls -t "$COLD_TARGET"/cargo-timings/cargo-timing-*.html 2>/dev/null | head -1)"
  [ -n "$html" ] || { echo "  (no --timings report)"; return; }
  python3 - "$html" "$1" <<'EOF_PY'
import json, re, sys
html, label = sys.argv[1], sys.argv[2]
text = open(html, encoding="utf-8").read()
m = re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S)
units = json.loads(m.group(1)) if m else []
built = [u for u in units if u["duration"] > 0.0]
def name(u):
    target = u.get("target", "").strip()
    return f'{u["name"]} {u.get("version", "")}{" " + target if target else ""}'
print(f"  {label}: {len(built)} units compiled or run ({html.rsplit('/', 1)[-1]})")
for u in sorted((u for u in units if u["name"] == "pasarela"), key=lambda u: -u["duration"]):
    print(f'    pasarela unit   {u["duration"]:7.1f} s  {name(u)}')
for u in sorted(built, key=lambda u: -u["duration"])[:6]:
    print(f'    slowest unit    {u["duration"]:7.1f} s  {name(u)}')
# Crates that only build.rs uses (generation); serde_yaml/syn are shared with other crates.
codegen = ("progenitor", "progenitor-impl", "typify", "typify-impl", "typify-macro", "openapiv3",
           "prettyplease")
gen = [u for u in built if u["name"] in codegen]
if gen:
    total = sum(u["duration"] for u in gen)
    print(f'    generation-only crates: {total:.1f} s of CPU in {len(gen)} units ({", ".join(sorted({u["name"] for u in gen}))})')
print(f'    sum of all unit durations: {sum(u["duration"] for u in built):.1f} s')
EOF_PY
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== cargo: $(cargo --version)   source: $SRC   target dir: $COLD_TARGET   args: ${PROFILE_ARGS:-(debug)}"

if [ "$SKIP_COLD" != 1 ]; then
  log "cold build (empty $COLD_TARGET)"
  rm -rf "$COLD_TARGET"
  cargo fetch >&2
  # shellcheck disable=SC2086
  COLD=$(timed cargo build --timings $PROFILE_ARGS)
  echo "cold build:                       ${COLD} s"
  report_units "cold build"
fi

log "rebuild with nothing changed"
# shellcheck disable=SC2086
NOOP=$(timed cargo build $PROFILE_ARGS)
echo "no-op build:                      ${NOOP} s"

log "rebuild after touching openapi/lyra-v4.yaml"
touch openapi/lyra-v4.yaml
# shellcheck disable=SC2086
TOUCH=$(timed cargo build --timings $PROFILE_ARGS)
echo "rebuild after touching the spec:  ${TOUCH} s   (target <= 30 s on 2 cores)"
report_units "rebuild after touch"

log "rebuild after touching src/lib.rs (the same crates recompile, without running build.rs)"
touch src/lib.rs
# shellcheck disable=SC2086
LIB=$(timed cargo build --timings $PROFILE_ARGS)
echo "rebuild after touching src/lib.rs: ${LIB} s"
report_units "rebuild after touching src/lib.rs"

log "rebuild after touching the spec without incremental compilation (CARGO_INCREMENTAL=0)"
# A first non-incremental build switches pasarela's artifacts over; only the second is timed.
# shellcheck disable=SC2086
CARGO_INCREMENTAL=0 cargo build $PROFILE_ARGS >&2
touch openapi/lyra-v4.yaml
# shellcheck disable=SC2086
NONINC=$(CARGO_INCREMENTAL=0 timed cargo build --timings $PROFILE_ARGS)
echo "rebuild after touching the spec, CARGO_INCREMENTAL=0: ${NONINC} s"
report_units "rebuild after touch, non-incremental"
