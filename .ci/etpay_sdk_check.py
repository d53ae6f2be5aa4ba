#!/usr/bin/env python3
"""ETpay's official Python SDK (`etpay-sdk`, pinned by .ci/etpay_sdk.sh) against the running
sandbox: the SDK is used as an independent client, so the sandbox's ETpay emulation is checked
by ETpay's own code, not only by pasarela's.

It installs nothing. Run by .ci/etpay_sdk.sh after `pip install etpay-sdk==<pin>` and
`source .ci/sandbox.sh`, with these variables:

  SANDBOX_URL                    the sandbox's base URL (the ETpay API is under /etpay)
  SANDBOX_ETPAY_MERCHANT_CODE    the sandbox's ETpay credentials (from its banner)
  SANDBOX_ETPAY_API_TOKEN
  ETPAY_WEBHOOK_PORT             a free loopback port the sandbox posts webhooks to (the sandbox
                                 was started with --etpay-webhook-url on it); optional

Steps: create a session with the SDK (it sends JSON without a Content-Type header and
`order_amount` as an integer), query the status (nothing yet), open the funnel page, pay through
the sandbox's control endpoint, verify the redirect's and the webhook's JWT with the SDK's
`verify`, query the status again by each key; then a rejected payment and ETpay's system-error
JWT (signed with the session token). The SDK supports no payment link or Direct Debit call.
Prints one line per check and exits 1 on any mismatch. Never prints a credential or a key.
"""

import json
import os
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import etpay_sdk as Etpay
import jwt

FAILURES = []


def check(name, ok, detail=""):
    """Records one check; the detail never holds a secret."""
    print(("ok   " if ok else "FAIL ") + name + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        FAILURES.append(name)
    return ok


class Webhooks(BaseHTTPRequestHandler):
    """Collects the sandbox's webhook bodies; answers 200 like a merchant."""

    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = min(int(self.headers.get("Content-Length", "0")), 64 * 1024)
        Webhooks.received.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def http(method, url, body=None):
    """A plain HTTP call to the sandbox's own pages and control endpoint (not ETpay's API)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def transaction(config, order_id, amount):
    """An SDK transaction with the fields its README documents."""
    params = Etpay.TransactionParams(
        merchant_order_id=order_id,
        order_amount=amount,
        customer_email="payer@example.com",
        payment_completed_url="https://shop.example/etpay/ok?order=" + order_id,
        payment_cancellation_url="https://shop.example/etpay/ko",
        concat="&",
        metadata=Etpay.Metadata([{"name": "Producto", "value": "Entrada", "show": True}]),
    )
    return Etpay.Transactions(config, params)


def create(tx, name):
    """`Transactions.create()`; returns (token, signature_token) or None."""
    response = tx.create()
    if not check(f"{name}: create answers 200", response.status_code == 200,
                 f"status {response.status_code}"):
        return None
    answer = response.json()
    check(f"{name}: create answers token, signature_token, terms_url",
          all(isinstance(answer.get(k), str) and answer[k] for k in
              ("token", "signature_token", "terms_url")))
    return answer.get("token"), answer.get("signature_token")


def pay(base, token, outcome):
    """Drives the funnel through the sandbox's control endpoint."""
    status, body = http("POST", base + "/sandbox/etpay/pay",
                        {"token": token, "outcome": outcome, "bank": "cl_estado"})
    check(f"{outcome}: control endpoint answers 200", status == 200, f"status {status}")
    return json.loads(body or b"{}")


def paid_flow(base, config, webhook_port):
    order_id = "sdk-" + str(int(time.time() * 1000))
    tx = transaction(config, order_id, 12990)
    tokens = create(tx, "paid")
    if tokens is None:
        return
    token, signature_token = tokens

    before = tx.status(merchant_order_id=order_id)
    check("status before paying: 200 and an empty list",
          before.status_code == 200 and before.json() == [], f"status {before.status_code}")

    status, page = http("GET", base + "/sandbox/etpay/session/" + urllib.parse.quote(token))
    check("funnel page at {pmt_url}/session/{token}",
          status == 200 and order_id.encode() in page, f"status {status}")

    done = pay(base, token, "paid")
    claims = tx.verify(done.get("jwt", ""), signature_token)
    check("SDK verify(jwt, signature_token): the order, amount and status",
          claims.get("session_token") == token and claims.get("merchant_order_id") == order_id
          and claims.get("merchant_amount") == 12990 and claims.get("payment_status") is True)
    try:
        tx.verify(done.get("jwt", ""), "not-the-signature-token-of-this-session-0")
        check("SDK verify with another key fails", False)
    except jwt.InvalidSignatureError:
        check("SDK verify with another key fails", True)

    redirect = done.get("redirect") or ""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query)
    check("redirect: completed URL, concat '&', jwt= verifies with the SDK",
          redirect.startswith("https://shop.example/etpay/ok?order=" + order_id + "&jwt=")
          and tx.verify(query.get("jwt", [""])[0], signature_token) == claims)

    for key, value in (("merchant_order_id", order_id), ("session_token", token),
                       ("payment_token", claims.get("payment_token"))):
        after = tx.status(**{key: value})
        found = after.json() if after.status_code == 200 else None
        check(f"status by {key}: one paid attempt, the JWT's claims",
              isinstance(found, list) and len(found) == 1 and found[0] == claims,
              f"status {after.status_code}")

    if webhook_port:
        deadline = time.time() + 10
        while not Webhooks.received and time.time() < deadline:
            time.sleep(0.05)
        body = json.loads(Webhooks.received[0]) if Webhooks.received else {}
        check("webhook {\"payment\": jwt} verifies with the SDK",
              tx.verify(body.get("payment", ""), signature_token) == claims)


def rejected_and_system_error(config, base):
    tx = transaction(config, "sdk-rejected-" + str(int(time.time() * 1000)), 1)
    tokens = create(tx, "rejected")
    if tokens:
        done = pay(base, tokens[0], "rejected")
        claims = tx.verify(done.get("jwt", ""), tokens[1])
        check("rejected: payment_status false, cancellation URL",
              claims.get("payment_status") is False
              and (done.get("redirect") or "").startswith("https://shop.example/etpay/ko?jwt="))

    tx = transaction(config, "sdk-system-error-" + str(int(time.time() * 1000)), 1)
    tokens = create(tx, "system_error")
    if tokens:
        done = pay(base, tokens[0], "system_error")
        claims = tx.verify(done.get("jwt", ""), tokens[0])
        check("system error: the JWT verifies with the session token (SDK README)",
              claims.get("system_error") is True and claims.get("session_token") == tokens[0])


def main():
    base = os.environ["SANDBOX_URL"].rstrip("/")
    config = Etpay.Configs(os.environ["SANDBOX_ETPAY_MERCHANT_CODE"],
                           os.environ["SANDBOX_ETPAY_API_TOKEN"], base + "/etpay")
    webhook_port = int(os.environ.get("ETPAY_WEBHOOK_PORT") or 0)
    if webhook_port:
        server = ThreadingHTTPServer(("127.0.0.1", webhook_port), Webhooks)
        threading.Thread(target=server.serve_forever, daemon=True).start()

    paid_flow(base, config, webhook_port)
    rejected_and_system_error(config, base)

    # The README's table types order_amount as a string; the spec takes the integer the SDK's
    # own examples send, and the sandbox refuses a string (see openapi/README.md).
    response = transaction(config, "sdk-string-amount", "500").create()
    check("order_amount as a string: refused with 400 naming the field",
          response.status_code == 400 and "order_amount" in response.text,
          f"status {response.status_code}")

    bad = Etpay.Configs(os.environ["SANDBOX_ETPAY_MERCHANT_CODE"], "wrong-token", base + "/etpay")
    response = transaction(bad, "sdk-wrong-token", 1).create()
    check("wrong API token: 401", response.status_code == 401, f"status {response.status_code}")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("etpay-sdk against the sandbox: every check passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is a failure, reported by type and line (no secret)
        line = traceback.extract_tb(e.__traceback__)[-1].lineno
        print(f"FAIL unexpected {type(e).__name__} at line {line}", file=sys.stderr)
        sys.exit(1)
