#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS (default 600) each, one at a time, on a stable
# toolchain (RUSTC_BOOTSTRAP=1). The working corpus grows in fuzz/corpus/<target> (gitignored),
# seeded from the committed fuzz/seeds/<target>; logs go to fuzz/artifacts/<target>.log.
#   bash fuzz/run.sh            # all targets, 600 s each
#   bash fuzz/run.sh 60 kr_answer
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(lyra_notification kr_answer v4_envelope etpay_jwt sandbox_request)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O >/dev/null 2>&1 || { echo "cargo fuzz build failed"; exit 1; }
mkdir -p artifacts
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  echo "== $target: ${seconds}s"
  cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 -timeout=10 \
    >"artifacts/$target.log" 2>&1 || { status=1; echo "   FAILED (see fuzz/artifacts/$target.log)"; }
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "artifacts/$target.log" | sed 's/^/   /'
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "artifacts/$target.log" | sed 's/^/   /'
done
exit $status
