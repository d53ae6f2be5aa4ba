#!/usr/bin/env bash
# ETpay's official Python SDK against the sandbox (.ci/etpay_sdk_check.py): installs the pinned
# `etpay-sdk` into the CI virtualenv, starts the sandbox (.ci/sandbox.sh) with its ETpay webhook
# pointed at a loopback port the check listens on, and runs the check. Called by .ci/extra.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh  # ci_pip_install, CI_VENV

# 1.0.1 is the newest release (Feb 2023); its dependencies are `requests` and `pyjwt`.
ci_pip_install "etpay-sdk==1.0.1"

ETPAY_WEBHOOK_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export ETPAY_WEBHOOK_PORT
export PASARELA_SANDBOX_ETPAY_WEBHOOK_URL="http://127.0.0.1:$ETPAY_WEBHOOK_PORT/etpay/webhook"
source .ci/sandbox.sh  # SANDBOX_URL and the ETpay credentials; stops the sandbox on exit

"$CI_VENV/bin/python" .ci/etpay_sdk_check.py
