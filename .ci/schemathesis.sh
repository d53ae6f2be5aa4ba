#!/usr/bin/env bash
# Spec-driven attack on the sandbox: schemathesis generates requests from openapi/lyra-v4.yaml
# and openapi/etpay.yaml (valid and invalid ones), sends them to `pasarela sandbox`, and checks
# every answer: no server error, the documented status codes and content type, and a body that
# conforms to the response schema. A fixed seed and a bounded number of examples per operation
# keep the run reproducible and under ~5 minutes on 2 cores.
#
# The checks turned off, and why, are listed in FUZZING.md ("Schemathesis").
#
#   bash .ci/schemathesis.sh                  # both specs
#   ST_EXAMPLES=20 bash .ci/schemathesis.sh   # quicker
#   ST_SPECS=lyra bash .ci/schemathesis.sh    # one spec (lyra, etpay)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SEED="${ST_SEED:-20261127}"
EXAMPLES="${ST_EXAMPLES:-100}"
SPECS="${ST_SPECS:-lyra etpay}"
# The built-in test shop of the sandbox (pasarela::sandbox::defaults).
SHOP_ID="33148340"
PASSWORD="testpassword_SANDBOXxPasarela0000000000000000"
ETPAY_MERCHANT_CODE="cl_sandbox_pasarela"
ETPAY_API_TOKEN="sandbox0etpay0api0token0pasarela0000000000000000000000000000000"

step() { printf '\n=== %s ===\n' "$*"; }

step "schemathesis: install"
if ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis>=4.3,<5"
fi
schemathesis --version

step "schemathesis: build and start the sandbox"
cargo build --quiet --bin pasarela
workdir="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
target/debug/pasarela sandbox --quiet --addr "127.0.0.1:$port" >"$workdir/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$workdir/sandbox.log" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$workdir/sandbox.log" >&2; exit 1; }
  sleep 0.1
done
head -n 1 "$workdir/sandbox.log"

# ETpay authenticates with body fields, which schemathesis cannot guess: this hook puts the
# sandbox merchant's credentials in every generated body where the field is a string (so a
# request made invalid on purpose stays invalid: wrong types and missing fields are kept).
cat >"$workdir/pasarela_st_hooks.py" <<EOF
import schemathesis

@schemathesis.hook
def before_call(context, case, **kwargs):
    body = case.body
    if isinstance(body, dict):
        if isinstance(body.get("merchant_api_token"), str):
            body["merchant_api_token"] = "$ETPAY_API_TOKEN"
        if isinstance(body.get("merchant_code"), str):
            body["merchant_code"] = "$ETPAY_MERCHANT_CODE"
EOF

common=(--seed "$SEED" --max-examples "$EXAMPLES" --workers 2 --request-timeout 10
  --no-color --output-truncate true)
status=0

if [[ " $SPECS " == *" lyra "* ]]; then
  step "schemathesis: Lyra V4 ($EXAMPLES examples per operation, seed $SEED)"
  # Lyra answers HTTP 200 with an ERROR envelope (INT_902 invalid input, INT_905 bad or missing
  # credentials) by design, so the checks expecting 4xx for those are off.
  schemathesis run openapi/lyra-v4.yaml --url "$base" --auth "$SHOP_ID:$PASSWORD" "${common[@]}" \
    --checks all --exclude-checks negative_data_rejection,ignored_auth,missing_required_header \
    || status=1
fi

etpay_status="$(python3 - "$base/etpay/session/initialize" <<'PY'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{}", method="POST")).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
)"
if [[ " $SPECS " != *" etpay "* ]]; then
  echo "ETpay not selected (ST_SPECS=$SPECS)"
elif [ "$etpay_status" != 404 ]; then
  step "schemathesis: ETpay ($EXAMPLES examples per operation, seed $SEED)"
  # ETpay documents no error responses and has no HTTP-level authentication.
  PYTHONPATH="$workdir" SCHEMATHESIS_HOOKS=pasarela_st_hooks \
    schemathesis run openapi/etpay.yaml --url "$base/etpay" "${common[@]}" \
    --checks all --exclude-checks status_code_conformance,ignored_auth,missing_required_header \
    || status=1
else
  echo "the sandbox has no ETpay API yet: ETpay skipped"
fi

if ! kill -0 "$sandbox_pid" 2>/dev/null; then
  echo "the sandbox died during the run:" >&2
  cat "$workdir/sandbox.log" >&2
  status=1
fi
[ "$status" = 0 ] && echo "schemathesis: 0 failures" || echo "schemathesis: FAILURES (see above)"
exit "$status"
