#!/usr/bin/env bash
# Old (one package, default features cli+sandbox+validation+rustls) against new (workspace; the
# root package is the client, default feature rustls) layout, in ONE run: for each, a fresh copy
# of the commit (`git archive`, no shared target dir) with its own empty CARGO_TARGET_DIR, the
# shared cargo registry, and:
#   (a) the crates a merchant's default `pasarela = { path = … }` dependency pulls in
#       (`cargo tree -e normal -p pasarela`, distinct crates, pasarela itself excluded);
#   (b) cold and incremental (`touch src/main.rs`) `cargo build` of a tiny merchant app whose
#       main calls `LyraClient::create_payment` (default features, debug profile);
#   (c) the size of target/ after the README's test command `cargo test` in the copy;
#   (d) the wall time of that cold `cargo test`.
# See BENCHMARKS.md, "Old and new layout (architecture issue)".
#
#   nice -n 19 benches/layout-cost.sh                 # old = ca2ae74, new = HEAD
#   OLD=ca2ae74 NEW=HEAD WORK=/tmp/pasarela-layout nice -n 19 benches/layout-cost.sh
#
# Never touches the repository's own work tree or target/ (only `git archive` reads from it).
# Needs about 7 GiB free in $WORK for the old side (its target dirs are deleted once measured,
# unless KEEP=1).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OLD="${OLD:-ca2ae74}"
NEW="${NEW:-HEAD}"
WORK="${WORK:-/tmp/pasarela-layout}"
KEEP="${KEEP:-0}"  # 1: keep each side's target dirs (about 9 GiB in all) after measuring
export CARGO_TERM_COLOR=never CI=true INSTA_UPDATE=no

log() { printf '== %s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }

rm -rf "$WORK"
mkdir -p "$WORK"
declare -A R

measure() { # label commit
  local label="$1" rev sha dir app tgt apptgt t0 t1 status
  rev="$2"
  sha="$(git -C "$ROOT" rev-parse --short "$rev")"
  dir="$WORK/$label/src"
  app="$WORK/$label/merchant"
  tgt="$WORK/$label/target"
  apptgt="$WORK/$label/merchant-target"
  mkdir -p "$dir" "$app/src" "$tgt" "$apptgt"
  log "$label = $sha: git archive into $dir"
  git -C "$ROOT" archive "$sha" | tar -C "$dir" -xf -
  R[$label.sha]="$sha"

  # The merchant app: default features, the lock file of the commit as a starting point (cargo
  # prunes what the app does not use), so both sides resolve the same versions.
  cp "$dir/Cargo.lock" "$app/Cargo.lock"
  cat >"$app/Cargo.toml" <<EOF
[package]
name = "merchant"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
pasarela = { path = "$dir" }
tokio = { version = "1", features = ["rt", "macros"] }
EOF
  cat >"$app/src/main.rs" <<'EOF'
use pasarela::lyra::{server, types, LyraClient, LyraConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let password = std::env::var("LYRA_PASSWORD").unwrap_or_default();
    let client = LyraClient::new(&LyraConfig::new("89289758", password, server::MICUENTAWEB))?;
    let request: types::CreatePaymentRequest = types::CreatePaymentRequest::builder()
        .amount(10000)
        .currency("PEN")
        .order_id(Some("myOrderId-1234".try_into()?))
        .try_into()?;
    let form = client.create_payment(request).await?;
    println!("{}", form.form_token);
    Ok(())
}
EOF
  (
    cd "$app"
    export CARGO_TARGET_DIR="$apptgt"
    # (a) pasarela's own normal-dependency tree, distinct crates, without pasarela itself.
    cargo tree -e normal -p pasarela --prefix none --offline 2>/dev/null \
      | sed 's/ (\*)$//; s/ (proc-macro)$//' | awk '{print $1" "$2}' | sort -u >"$WORK/$label/tree.txt"
  )
  R[$label.crates]="$(grep -vc '^pasarela ' "$WORK/$label/tree.txt")"
  log "$label: pasarela pulls ${R[$label.crates]} crates"

  # (b) cold and incremental build of the merchant app.
  t0="$(now)"
  status=0
  (cd "$app" && CARGO_TARGET_DIR="$apptgt" cargo build --offline) >"$WORK/$label/app-cold.log" 2>&1 || status=$?
  t1="$(now)"
  R[$label.app_cold]="$(secs "$t0" "$t1")"
  R[$label.app_cold_status]="$status"
  R[$label.app_units]="$(grep -c '^ *Compiling ' "$WORK/$label/app-cold.log" || true)"
  log "$label: merchant cold build ${R[$label.app_cold]} s (exit $status, ${R[$label.app_units]} crates compiled)"
  touch "$app/src/main.rs"
  t0="$(now)"
  status=0
  (cd "$app" && CARGO_TARGET_DIR="$apptgt" cargo build --offline) >"$WORK/$label/app-incr.log" 2>&1 || status=$?
  t1="$(now)"
  R[$label.app_incr]="$(secs "$t0" "$t1")"
  log "$label: merchant incremental build ${R[$label.app_incr]} s (exit $status)"

  # (c)+(d) the README's test command in the copy, cold.
  t0="$(now)"
  status=0
  (cd "$dir" && CARGO_TARGET_DIR="$tgt" cargo test --offline) >"$WORK/$label/test.log" 2>&1 || status=$?
  t1="$(now)"
  R[$label.test]="$(secs "$t0" "$t1")"
  R[$label.test_status]="$status"
  R[$label.test_bins]="$(grep -c '^ *Running ' "$WORK/$label/test.log" || true)"
  R[$label.test_passed]="$(awk '/^test result:/ {s += $4} END {print s + 0}' "$WORK/$label/test.log")"
  R[$label.target_mib]="$(du -sm "$tgt" | cut -f1)"
  log "$label: cargo test ${R[$label.test]} s (exit $status), target ${R[$label.target_mib]} MiB"
  # Several GiB per side: freed once measured (logs and tree.txt stay in $WORK/$label).
  [ "$KEEP" = 1 ] || rm -rf "$tgt" "$apptgt" "$dir/target"
}

log "start $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg); nproc $(nproc)"
measure old "$OLD"
measure new "$NEW"
log "end $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"

cat <<EOF
| | old ($OLD = ${R[old.sha]}) | new ($NEW = ${R[new.sha]}) |
|---|---|---|
| (a) crates pulled by a default \`pasarela\` dependency (\`cargo tree -e normal\`, distinct) | ${R[old.crates]} | ${R[new.crates]} |
| (b) merchant app, cold \`cargo build\` | ${R[old.app_cold]} s (${R[old.app_units]} crates compiled, exit ${R[old.app_cold_status]}) | ${R[new.app_cold]} s (${R[new.app_units]} crates compiled, exit ${R[new.app_cold_status]}) |
| (b) merchant app, after \`touch src/main.rs\` | ${R[old.app_incr]} s | ${R[new.app_incr]} s |
| (c) \`target/\` after \`cargo test\` | ${R[old.target_mib]} MiB | ${R[new.target_mib]} MiB |
| (d) cold \`cargo test\` wall time | ${R[old.test]} s (${R[old.test_bins]} test binaries, ${R[old.test_passed]} tests passed, exit ${R[old.test_status]}) | ${R[new.test]} s (${R[new.test_bins]} test binaries, ${R[new.test_passed]} tests passed, exit ${R[new.test_status]}) |
EOF
