# Sourced (not run) by .ci/schemathesis.sh and .ci/load.sh: builds the `pasarela` binary (crate
# pasarela-cli), starts `pasarela sandbox` on a free loopback port, waits until it listens and
# exports what the callers need. The built-in credentials are read from the banner the binary
# itself prints (they are defined once, in pasarela-sandbox's `defaults` module), never retyped.
#
#   source .ci/sandbox.sh
#
# Exports: SANDBOX_URL (http://127.0.0.1:PORT), SANDBOX_PORT, SANDBOX_PID, SANDBOX_LOG,
# SANDBOX_WORKDIR (a temporary directory, removed on exit, for the caller's files too),
# SANDBOX_SHOP_ID, SANDBOX_PASSWORD, SANDBOX_ETPAY_MERCHANT_CODE, SANDBOX_ETPAY_API_TOKEN.
# Installs an EXIT trap that stops the sandbox and removes SANDBOX_WORKDIR; a caller that needs
# its own cleanup calls sandbox_stop from it.
# Needs: cargo, python3 (free port), grep/sed. Run from the repository root.

# SANDBOX_PROFILE=release (the soak) builds and runs the optimised binary; debug by default.
SANDBOX_PROFILE="${SANDBOX_PROFILE:-debug}"
if [ "$SANDBOX_PROFILE" = release ]; then
  cargo build --quiet --release -p pasarela-cli --bin pasarela
else
  cargo build --quiet -p pasarela-cli --bin pasarela
fi

SANDBOX_WORKDIR="$(mktemp -d)"
SANDBOX_LOG="$SANDBOX_WORKDIR/sandbox.log"
SANDBOX_PID=""
sandbox_stop() {
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=""
  fi
  rm -rf "$SANDBOX_WORKDIR"
}
trap sandbox_stop EXIT

SANDBOX_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
"target/$SANDBOX_PROFILE/pasarela" sandbox --quiet --addr "127.0.0.1:$SANDBOX_PORT" >"$SANDBOX_LOG" 2>&1 &
SANDBOX_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$SANDBOX_LOG" 2>/dev/null && grep -q "test cards:" "$SANDBOX_LOG" && break
  kill -0 "$SANDBOX_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "listening on" "$SANDBOX_LOG" 2>/dev/null || ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
  echo "the sandbox did not start:" >&2
  cat "$SANDBOX_LOG" >&2
  exit 1
fi

# From the banner: "Lyra shop id ID  password PW" and "ETpay merchant_code C  merchant_api_token T".
sandbox_field() { sed -n "s/.* $1 \([^ ]*\).*/\1/p" "$SANDBOX_LOG" | head -n 1; }
SANDBOX_SHOP_ID="$(sandbox_field 'shop id')"
SANDBOX_PASSWORD="$(sandbox_field 'password')"
SANDBOX_ETPAY_MERCHANT_CODE="$(sandbox_field 'merchant_code')"
SANDBOX_ETPAY_API_TOKEN="$(sandbox_field 'merchant_api_token')"
for v in SANDBOX_SHOP_ID SANDBOX_PASSWORD SANDBOX_ETPAY_MERCHANT_CODE SANDBOX_ETPAY_API_TOKEN; do
  if [ -z "${!v}" ]; then
    echo "cannot read $v from the sandbox banner:" >&2
    cat "$SANDBOX_LOG" >&2
    exit 1
  fi
done
export SANDBOX_URL SANDBOX_PORT SANDBOX_PID SANDBOX_LOG SANDBOX_WORKDIR SANDBOX_SHOP_ID \
  SANDBOX_PASSWORD SANDBOX_ETPAY_MERCHANT_CODE SANDBOX_ETPAY_API_TOKEN
echo "sandbox pid $SANDBOX_PID on $SANDBOX_URL (shop $SANDBOX_SHOP_ID, ETpay merchant $SANDBOX_ETPAY_MERCHANT_CODE)"
