#!/usr/bin/env bash
# Bounded load test of `pasarela sandbox` on loopback: wrk sends Charge/CreatePayment and
# Charge/SDKTest (alternately, authenticated as the built-in test shop) for LOAD_SECONDS
# (default 60). Fails when any request gets a socket error, a non-2xx status or an envelope
# that is not SUCCESS; reports the requests served and the sandbox's peak RSS (VmHWM), which
# must stay under LOAD_MAX_RSS_MB (default 512: the state is bounded, see SandboxConfig::capacity).
#
#   bash .ci/load.sh
#   LOAD_SECONDS=10 bash .ci/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SECONDS_="${LOAD_SECONDS:-60}"
CONNECTIONS="${LOAD_CONNECTIONS:-32}"
MAX_RSS_MB="${LOAD_MAX_RSS_MB:-512}"

step() { printf '\n=== %s ===\n' "$*"; }
source .ci/lib.sh  # ci_apt_install

step "load: wrk"
if ! command -v wrk >/dev/null 2>&1; then
  ci_apt_install wrk
fi
wrk --version 2>&1 | head -n 1 || true

step "load: build and start the sandbox"
# Starts it, exports SANDBOX_URL, SANDBOX_PID, SANDBOX_WORKDIR and the built-in credentials
# (SANDBOX_SHOP_ID, SANDBOX_PASSWORD), and stops it on exit.
source .ci/sandbox.sh
workdir="$SANDBOX_WORKDIR"
AUTH="Basic $(printf '%s:%s' "$SANDBOX_SHOP_ID" "$SANDBOX_PASSWORD" | base64 -w0)"
rss() { awk -v key="$1" '$1 == key":" {print $2}' "/proc/$SANDBOX_PID/status"; }
echo "RSS at start $(( $(rss VmRSS) / 1024 )) MiB"

cat >"$workdir/load.lua" <<EOF
-- Alternates CreatePayment and SDKTest; counts answers that are not a SUCCESS envelope.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  n = 0
  local headers = { ["Authorization"] = "$AUTH", ["Content-Type"] = "application/json" }
  create = wrk.format("POST", "/api-payment/V4/Charge/CreatePayment", headers,
    '{"amount": 990, "currency": "PEN", "orderId": "load-test", "customer": {"email": "load@example.com"}}')
  sdk = wrk.format("POST", "/api-payment/V4/Charge/SDKTest", headers, '{"value": "load"}')
end
function request()
  n = n + 1
  if n % 2 == 0 then return sdk end
  return create
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"SUCCESS"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d not_success=%d connect=%d read=%d write=%d status=%d timeout=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, failed, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
EOF

step "load: ${SECONDS_}s, $CONNECTIONS connections, CreatePayment + SDKTest"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 10s --latency -s "$workdir/load.lua" "$SANDBOX_URL" | tee "$workdir/wrk.log"

result="$(grep '^RESULT ' "$workdir/wrk.log")"
value() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$result"; }
peak_kib="$(rss VmHWM)"
end_kib="$(rss VmRSS)"
peak_mb=$(( peak_kib / 1024 ))
echo "requests served: $(value requests); peak RSS (VmHWM) ${peak_mb} MiB; RSS at end $(( end_kib / 1024 )) MiB"
status=0
for key in not_success connect read write status timeout; do
  if [ "$(value "$key")" != 0 ]; then
    echo "load: $(value "$key") requests failed with $key" >&2
    status=1
  fi
done
if [ "$(value requests)" = 0 ]; then echo "load: no request was served" >&2; status=1; fi
if [ "$peak_mb" -gt "$MAX_RSS_MB" ]; then echo "load: peak RSS ${peak_mb} MiB > ${MAX_RSS_MB} MiB" >&2; status=1; fi
if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then echo "load: the sandbox died" >&2; status=1; fi
[ "$status" = 0 ] && echo "load: OK"
exit "$status"
