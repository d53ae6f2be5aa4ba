#!/usr/bin/env bash
# What a merchant's build costs, against the Stripe client as the peer (issue 18). Called by
# benches/build-cost.sh (`benches/build-cost.sh merchant`, the documented entry point); see
# BENCHMARKS.md section 8.
#
# In ONE run, N rounds (default 3); each round builds every app once, in an order rotated from
# round to round (alternating, so that a noisy neighbour hits every app alike), each on an
# EMPTY target directory of its own:
#   rustls   a small merchant app on pasarela with default-features = false, features = ["rustls"]
#   default  the same app on pasarela's default features (what `cargo add pasarela` gives)
#   stripe   the same app written with async-stripe (rustls-ring + rustls-tls-webpki-roots: the
#            hyper client with ring and the Mozilla roots, like pasarela; `rustls-ring` alone has
#            no client type) + async-stripe-checkout (checkout_session), creating a checkout
#            session; exact versions from crates.io
#   client   the client crate alone (`cargo build -p pasarela --lib`, default features)
#   base     the default app again, on pasarela at the commit BASE_REV (e.g. main): before/after
#            a change in the same run (only when BASE_REV is set; then APPS defaults to
#            "default base stripe")
# For each: the cold `cargo build` (with --timings), the rebuild after touching src/main.rs
# (src/lib.rs for the client alone), the crates in `cargo tree -e normal` (lines, and distinct
# name+version) and the size of target/. Prints every run, the MEDIAN per app and the ratios
# against the Stripe app, then where the seconds of the default app's cold build go (from
# cargo's --timings data) and the generated modules' line counts.
#
#   nice -n 5 benches/build-cost.sh merchant
#   N=1 APPS="default stripe" nice -n 5 benches/build-cost.sh merchant
#   BASE_REV=main nice -n 5 benches/build-cost.sh merchant
#
# Environment (all optional): N=3, APPS="rustls default stripe client", WORK=/tmp/pasarela-merchant-build
# (emptied first; needs about 5 GiB), STRIPE_VERSION=1.0.0-rc.10, KEEP=0 (1: keep target dirs).
# Builds run with CARGO_INCREMENTAL=0: pasarela is a path dependency here, which cargo would
# build incrementally, while from crates.io (like async-stripe) it never is.
# Never touches the repository's work tree or target/ (it builds a copy).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${N:-3}"
BASE_REV="${BASE_REV:-}"
if [ -n "$BASE_REV" ]; then APPS="${APPS:-default base stripe}"; else APPS="${APPS:-rustls default stripe client}"; fi
WORK="${WORK:-/tmp/pasarela-merchant-build}"
STRIPE_VERSION="${STRIPE_VERSION:-1.0.0-rc.10}"
KEEP="${KEEP:-0}"
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0
unset CARGO_TARGET_DIR

log() { printf '== %s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

rm -rf "$WORK"
mkdir -p "$WORK/timings"
SRC="$WORK/pasarela"
mkdir -p "$SRC"
tar -C "$ROOT" --exclude=./target --exclude=./.git --exclude=./fuzz --exclude=./snapshots \
  -cf - . | tar -C "$SRC" -xf -
if [ -n "$BASE_REV" ]; then
  BASE_SRC="$WORK/pasarela-base"
  mkdir -p "$BASE_SRC"
  git -C "$ROOT" archive "$BASE_REV" | tar -C "$BASE_SRC" -xf -
  echo "== base: $BASE_REV = $(git -C "$ROOT" rev-parse --short "$BASE_REV"); new: the work tree of $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD || echo ' (with uncommitted changes)')"
fi

# The merchant app on pasarela: builds a LyraClient and calls create_payment.
pasarela_app() { # name dependency-spec [source]
  local app="$WORK/$1" src="${3:-$SRC}"
  mkdir -p "$app/src"
  cp "$src/Cargo.lock" "$app/Cargo.lock"
  cat >"$app/Cargo.toml" <<EOF
[package]
name = "merchant-$1"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
pasarela = { path = "$src"$2 }
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
}

# The same app with the Stripe client: a checkout session for one price.
stripe_app() {
  local app="$WORK/stripe"
  mkdir -p "$app/src"
  cat >"$app/Cargo.toml" <<EOF
[package]
name = "merchant-stripe"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
async-stripe = { version = "=$STRIPE_VERSION", default-features = false, features = ["rustls-ring", "rustls-tls-webpki-roots"] }
async-stripe-checkout = { version = "=$STRIPE_VERSION", features = ["checkout_session"] }
tokio = { version = "1", features = ["rt", "macros"] }
EOF
  cat >"$app/src/main.rs" <<'EOF'
use stripe_checkout::checkout_session::{CreateCheckoutSession, CreateCheckoutSessionLineItems};
use stripe_checkout::CheckoutSessionMode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = stripe::Client::new(std::env::var("STRIPE_SECRET_KEY").unwrap_or_default());
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some("price_1234".to_owned());
    item.quantity = Some(1);
    let session = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .success_url("https://example.com/paid")
        .line_items(vec![item])
        .send(&client)
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!("{:?}", session.url);
    Ok(())
}
EOF
}

declare -A DIR ARGS TOUCH
for app in $APPS; do
  case "$app" in
    rustls) pasarela_app rustls ', default-features = false, features = ["rustls"]' ;;
    default) pasarela_app default '' ;;
    base) pasarela_app base '' "$BASE_SRC" ;;
    stripe) stripe_app ;;
    client) ;;
    *) echo "unknown app $app" >&2; exit 2 ;;
  esac
  if [ "$app" = client ]; then
    DIR[$app]="$SRC" ARGS[$app]="-p pasarela --lib" TOUCH[$app]="src/lib.rs"
  else
    DIR[$app]="$WORK/$app" ARGS[$app]="" TOUCH[$app]="src/main.rs"
  fi
done

# Resolve and download first (the Stripe app's versions come from crates.io), never timed.
declare -A TREE_LINES TREE_CRATES
for app in $APPS; do
  (cd "${DIR[$app]}" && cargo fetch >&2)
  pkg=""
  [ "$app" = client ] && pkg="-p pasarela"
  # shellcheck disable=SC2086
  (cd "${DIR[$app]}" && cargo tree -e normal $pkg --offline) >"$WORK/$app.tree"
  # The code generator's own tree: pasarela's [build-dependencies] closure (the last section).
  if [ "$app" != stripe ]; then
    (cd "${DIR[$app]}" && cargo tree -p pasarela -e normal,build --offline) \
      | sed -n '/^\[build-dependencies\]/,$p' >"$WORK/$app.gentree"
  fi
  TREE_LINES[$app]="$(wc -l <"$WORK/$app.tree")"
  TREE_CRATES[$app]="$(sed 's/^[│├└─ ]*//; s/ (\*)$//; s/ (proc-macro)$//' "$WORK/$app.tree" \
    | awk 'NF {print $1" "$2}' | sort -u | wc -l)"
done

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); $(cargo --version); $(rustc --version)"
echo "== start $(date -u +%FT%TZ), load average $(load); N=$N; apps: $APPS; debug profile, CARGO_INCREMENTAL=0"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
build_one() { # app round
  local app="$1" round="$2" dir tgt t0 t1 cold rebuild mib status=0 html
  dir="${DIR[$app]}"
  tgt="$WORK/target-$app"
  rm -rf "$tgt"
  log "round $round: $app cold (load $(load))"
  t0="$(now)"
  # shellcheck disable=SC2086
  (cd "$dir" && CARGO_TARGET_DIR="$tgt" cargo build --offline --timings ${ARGS[$app]}) \
    >"$WORK/$app-$round.log" 2>&1 || status=$?
  t1="$(now)"
  cold="$(secs "$t0" "$t1")"
  touch "$dir/${TOUCH[$app]}"
  t0="$(now)"
  # shellcheck disable=SC2086
  (cd "$dir" && CARGO_TARGET_DIR="$tgt" cargo build --offline ${ARGS[$app]}) \
    >>"$WORK/$app-$round.log" 2>&1 || status=$?
  t1="$(now)"
  rebuild="$(secs "$t0" "$t1")"
  mib="$(du -sm "$tgt" | cut -f1)"
  html="$(ls -t "$tgt"/cargo-timings/cargo-timing-2*.html 2>/dev/null | tail -1 || true)"
  [ -n "$html" ] && cp "$html" "$WORK/timings/$app-$round.html"
  if [ "$app" = default ] || [ "$app" = client ] || [ "$app" = base ]; then
    wc -l "$tgt"/debug/build/pasarela-*/out/{lyra,etpay,lyra_operations,lyra_answers}.rs \
      >"$WORK/lines-$app.txt" 2>/dev/null || true
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$round" "$cold" "$rebuild" "$mib" "$status" >>"$RESULTS"
  printf 'round %s  %-8s cold %6s s  rebuild %5s s  target %5s MiB  exit %s\n' \
    "$round" "$app" "$cold" "$rebuild" "$mib" "$status"
  [ "$KEEP" = 1 ] || rm -rf "$tgt"
}

read -r -a LIST <<<"$APPS"
for round in $(seq 1 "$N"); do
  k=$(( (round - 1) % ${#LIST[@]} ))
  for i in $(seq 0 $(( ${#LIST[@]} - 1 ))); do
    build_one "${LIST[$(( (i + k) % ${#LIST[@]} ))]}" "$round"
  done
done
echo "== end $(date -u +%FT%TZ), load average $(load)"

# Medians, ratios against the Stripe app, the default app's --timings summary, line counts.
TL="" TC=""
for app in $APPS; do TL+="$app=${TREE_LINES[$app]} "; TC+="$app=${TREE_CRATES[$app]} "; done
python3 - "$WORK" "$RESULTS" "$TL" "$TC" <<'EOF_PY'
import json, re, statistics, sys, glob, os
work, results, tl, tc = sys.argv[1:]
tl = dict(x.split("=") for x in tl.split()); tc = dict(x.split("=") for x in tc.split())
rows = [l.split("\t") for l in open(results).read().splitlines()]
apps = list(dict.fromkeys(r[0] for r in rows))
med = {}
for a in apps:
    rs = [r for r in rows if r[0] == a]
    med[a] = {k: statistics.median(float(r[i]) for r in rs) for k, i in (("cold", 2), ("rebuild", 3), ("mib", 4))}
    med[a]["n"] = len(rs); med[a]["fail"] = sum(r[5] != "0" for r in rs)
label = {"rustls": 'pasarela, `default-features = false, features = ["rustls"]`',
         "default": "pasarela, default features", "stripe": "async-stripe checkout (peer)",
         "client": "the client crate alone (`-p pasarela --lib`)",
         "base": "pasarela at BASE_REV, default features"}
ref = med.get("stripe")
print()
print("| app | cold build (median) | rebuild after touch (median) | crates: `cargo tree -e normal` lines / distinct | target/ | cold vs stripe | runs (failed) |")
print("|---|---|---|---|---|---|---|")
for a in apps:
    m = med[a]
    ratio = f'{m["cold"] / ref["cold"]:.2f}×' if ref else "—"
    print(f'| {label[a]} | {m["cold"]:.1f} s | {m["rebuild"]:.1f} s | {tl[a]} / {tc[a]} | {m["mib"]:.0f} MiB | {ratio} | {m["n"]} ({m["fail"]}) |')

def units(html):
    text = open(html, encoding="utf-8").read()
    m = re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S)
    return json.loads(m.group(1)) if m else []

def crates(tree):
    out = set()
    for line in open(tree):
        line = re.sub(r"^[│├└─ ]*", "", line).replace(" (*)", "").replace(" (proc-macro)", "")
        f = line.split()
        if len(f) >= 2: out.add(f[0])
    return out

for a in ("default", "base", "client"):
    htmls = sorted(glob.glob(f"{work}/timings/{a}-*.html"))
    if not htmls: continue
    # The build-only tree: crates of pasarela's [build-dependencies] closure that the normal tree lacks.
    normal = crates(f"{work}/{a}.tree")
    print(f"\n--timings of the {a} app's cold builds (sum of unit durations = CPU-ish seconds; 2 cores run two at a time):")
    for html in htmls:
        us = [u for u in units(html) if u["duration"] > 0]
        total = sum(u["duration"] for u in us)
        bs_compile = sum(u["duration"] for u in us if u["name"] == "pasarela" and "build-script" in u.get("target", "") and "run" not in u.get("target", ""))
        bs_run = sum(u["duration"] for u in us if u["name"] == "pasarela" and "(run)" in u.get("target", ""))
        lib = sum(u["duration"] for u in us if u["name"] == "pasarela" and "build-script" not in u.get("target", ""))
        # Units of crates only the generator's tree has (pasarela's build-dependency closure
        # minus the normal tree); crates both trees share (syn, serde, schemars…) are in "the rest",
        # once, or twice when the host copy needs other features.
        gentree = crates(f"{work}/{a}.gentree") - normal
        gen = [u for u in us if u["name"] in gentree]
        gen_s = sum(u["duration"] for u in gen)
        rest = total - bs_compile - bs_run - lib - gen_s
        print(f"  {os.path.basename(html)}: {len(us)} units, sum {total:.1f} s: generator-only crates {gen_s:.1f} s ({len(gen)} units: "
              f"{', '.join(sorted({u['name'] for u in gen}))}); pasarela build script compile {bs_compile:.1f} s, run {bs_run:.1f} s; "
              f"pasarela lib (generated + hand-written) {lib:.1f} s; the rest {rest:.1f} s")
        top = sorted(us, key=lambda u: -u["duration"])[:8]
        seen = {}
        for u in us:
            if "build-script" not in u.get("target", ""):
                seen[(u["name"], u.get("version"))] = seen.get((u["name"], u.get("version")), 0) + 1
        twice = sorted(f"{n} {v}" for (n, v), c in seen.items() if c > 1)
        if twice: print(f"    compiled twice (host copy for the generator or proc macros, and the target copy): {', '.join(twice)}")
        print("    slowest: " + ", ".join(f'{u["name"]} {u.get("target", "").strip()} {u["duration"]:.1f} s'.replace("  ", " ") for u in top))
for a in ("default", "base", "client"):
    p = f"{work}/lines-{a}.txt"
    if os.path.exists(p):
        print(f"\ngenerated lines ({a} build):")
        for line in open(p):
            f = line.split()
            print(f"  {f[0]:>7} {os.path.basename(f[1])}")
EOF_PY
