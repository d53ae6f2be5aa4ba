#!/usr/bin/env bash
# Load `pasarela sandbox` and Prism (mocking the same openapi/lyra-v4.yaml) with wrk, on the same
# requests, connections and duration, and print requests/s, p50/p99 latency, peak RSS and the
# ratios. See BENCHMARKS.md.
#
#   benches/sandbox-vs-prism.sh
#
# Environment (all optional):
#   THREADS=2 CONNECTIONS=32 DURATION=15s WARMUP=3s   wrk settings (the same for both servers)
#   SANDBOX_PORT=18480 PRISM_PORT=18481               loopback ports
#   PRISM_DIR=/tmp/pasarela-prism                     npm prefix for @stoplight/prism-cli
#   PRISM_VERSION=5                                   npm version range of @stoplight/prism-cli
#   PRISM_LOG=error                                   Prism's -v level; `error` mirrors the sandbox's
#                                                     --quiet (at `info` Prism logs every request)
#
# Everything listens on and is sent to 127.0.0.1 only; each wrk run is bounded by DURATION.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
SANDBOX_PORT="${SANDBOX_PORT:-18480}"
PRISM_PORT="${PRISM_PORT:-18481}"
PRISM_DIR="${PRISM_DIR:-/tmp/pasarela-prism}"
PRISM_VERSION="${PRISM_VERSION:-5}"
PRISM_LOG="${PRISM_LOG:-error}"
WORK="$(mktemp -d /tmp/pasarela-sandbox-vs-prism.XXXXXX)"

# The sandbox's built-in test shop (printed by `pasarela sandbox` itself; safe to share).
SHOP_ID=33148340
PASSWORD=testpassword_SANDBOXxPasarela0000000000000000
AUTH="Basic $(printf '%s:%s' "$SHOP_ID" "$PASSWORD" | base64 -w0)"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

log() { printf '== %s\n' "$*" >&2; }

# --- tools --------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk (apt-get)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
PRISM="$PRISM_DIR/node_modules/.bin/prism"
if [ ! -x "$PRISM" ]; then
  log "installing @stoplight/prism-cli@$PRISM_VERSION into $PRISM_DIR (npm)"
  mkdir -p "$PRISM_DIR"
  npm install --prefix "$PRISM_DIR" --no-audit --no-fund "@stoplight/prism-cli@$PRISM_VERSION" >"$WORK/npm.log" 2>&1 \
    || { cat "$WORK/npm.log" >&2; exit 1; }
fi

log "building pasarela (release)"
cargo build --release --bin pasarela >&2
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PASARELA="$TARGET_DIR/release/pasarela"

wait_for_port() { # port, pid, name
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then log "$3 exited early"; return 1; fi
    sleep 0.1
  done
  log "$3 did not listen on port $1 within 60 s"
  return 1
}

# Peak resident memory (VmHWM) of a process and its descendants, in MiB.
peak_rss_mib() {
  local total=0 pid kb
  for pid in $1 $(pgrep -P "$1" || true); do
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  awk -v kb="$total" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# --- servers ------------------------------------------------------------------------------------
log "starting pasarela sandbox on 127.0.0.1:$SANDBOX_PORT"
"$PASARELA" sandbox --quiet --addr "127.0.0.1:$SANDBOX_PORT" >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
PIDS+=("$SANDBOX_PID")
wait_for_port "$SANDBOX_PORT" "$SANDBOX_PID" sandbox

log "starting prism $("$PRISM" --version) mock openapi/lyra-v4.yaml on 127.0.0.1:$PRISM_PORT (-v $PRISM_LOG)"
# exec: the PID is node itself, so VmHWM is Prism's.
bash -c "exec \"$PRISM\" mock -h 127.0.0.1 -p $PRISM_PORT -v $PRISM_LOG openapi/lyra-v4.yaml" >"$WORK/prism.log" 2>&1 &
PRISM_PID=$!
PIDS+=("$PRISM_PID")
wait_for_port "$PRISM_PORT" "$PRISM_PID" prism

# --- requests -----------------------------------------------------------------------------------
CREATE_PAYMENT_BODY="$(jq -c . tests/fixtures/lyra/CreatePaymentRequest/seed000_create_payment.json)"
# A payment order in the sandbox, so that PaymentOrder/Get answers SUCCESS there.
ORDER_ANSWER="$(curl -s -H "Authorization: $AUTH" -H 'Content-Type: application/json' \
  -d '{"amount": 200050, "currency": "PEN", "orderId": "bench-1", "channelOptions": {"channelType": "URL"}}' \
  "http://127.0.0.1:$SANDBOX_PORT/api-payment/V4/Charge/CreatePaymentOrder")"
ORDER_ID="$(jq -r '.answer.paymentOrderId // empty' <<<"$ORDER_ANSWER")"
if [ -z "$ORDER_ID" ]; then
  log "the sandbox did not create a payment order: $ORDER_ANSWER"
  exit 1
fi
GET_ORDER_BODY="{\"paymentOrderId\": \"$ORDER_ID\"}"

lua_script() { # file, body
  cat >"$1" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$AUTH"
wrk.body = [==[$2]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
}
lua_script "$WORK/create_payment.lua" "$CREATE_PAYMENT_BODY"
lua_script "$WORK/get_order.lua" "$GET_ORDER_BODY"

# One request of each kind to each server, to record what they answer before loading them.
probe() { # name, port, path, body
  local out status
  out="$(curl -s -w '\n%{http_code}' -H "Authorization: $AUTH" -H 'Content-Type: application/json' \
    -d "$4" "http://127.0.0.1:$2$3")"
  status="${out##*$'\n'}"
  printf '%-8s %-28s HTTP %s  %s\n' "$1" "${3#/api-payment/V4/}" "$status" \
    "$(head -c 160 <<<"${out%$'\n'*}" | tr -d '\n')"
}
echo "== probes (one request each, before the load)"
for server in "sandbox $SANDBOX_PORT" "prism $PRISM_PORT"; do
  set -- $server
  probe "$1" "$2" /api-payment/V4/Charge/CreatePayment "$CREATE_PAYMENT_BODY"
  probe "$1" "$2" /api-payment/V4/Charge/PaymentOrder/Get "$GET_ORDER_BODY"
done

# --- load ---------------------------------------------------------------------------------------
declare -A RPS P50 P99 BAD
run() { # server, port, op, path, lua
  local out
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$5" "http://127.0.0.1:$2$4" >/dev/null 2>&1 || true
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$5" "http://127.0.0.1:$2$4")"
  printf '\n== wrk %s %s\n%s\n' "$1" "$3" "$out"
  local line
  line="$(grep '^RESULT' <<<"$out")"
  RPS[$1/$3]="$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")"
  P50[$1/$3]="$(sed -E 's/.* p50_ms=([0-9.]+).*/\1/' <<<"$line")"
  P99[$1/$3]="$(sed -E 's/.* p99_ms=([0-9.]+).*/\1/' <<<"$line")"
  BAD[$1/$3]="$(sed -E 's/.* non2xx=([0-9]+) socket_errors=([0-9]+).*/\1 non-2xx, \2 socket errors/' <<<"$line")"
}
for op in CreatePayment PaymentOrder/Get; do
  lua="$WORK/create_payment.lua"
  [ "$op" = PaymentOrder/Get ] && lua="$WORK/get_order.lua"
  run sandbox "$SANDBOX_PORT" "$op" "/api-payment/V4/Charge/$op" "$lua"
  run prism "$PRISM_PORT" "$op" "/api-payment/V4/Charge/$op" "$lua"
done

SANDBOX_RSS="$(peak_rss_mib "$SANDBOX_PID")"
PRISM_RSS="$(peak_rss_mib "$PRISM_PID")"

echo
echo "== summary: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (after a $WARMUP warm-up), $(nproc) cores"
printf '%-18s %-8s %12s %10s %10s %12s  %s\n' operation server req/s p50_ms p99_ms peak_rss_MiB errors
for op in CreatePayment PaymentOrder/Get; do
  printf '%-18s %-8s %12s %10s %10s %12s  %s\n' "$op" sandbox "${RPS[sandbox/$op]}" "${P50[sandbox/$op]}" "${P99[sandbox/$op]}" "$SANDBOX_RSS" "${BAD[sandbox/$op]}"
  printf '%-18s %-8s %12s %10s %10s %12s  %s\n' "$op" prism "${RPS[prism/$op]}" "${P50[prism/$op]}" "${P99[prism/$op]}" "$PRISM_RSS" "${BAD[prism/$op]}"
done
echo
echo "== ratios (target: sandbox >= 10x Prism req/s, at lower p99)"
for op in CreatePayment PaymentOrder/Get; do
  awk -v op="$op" -v sr="${RPS[sandbox/$op]}" -v pr="${RPS[prism/$op]}" -v sp="${P99[sandbox/$op]}" -v pp="${P99[prism/$op]}" \
    'BEGIN { printf "%-18s req/s sandbox/prism = %.1fx   p99 sandbox/prism = %.3fx\n", op, sr / pr, sp / pp }'
done
awk -v s="$SANDBOX_RSS" -v p="$PRISM_RSS" 'BEGIN { printf "peak RSS sandbox/prism = %.3fx (%s MiB vs %s MiB)\n", s / p, s, p }'
log "logs and wrk scripts in $WORK"
