#!/usr/bin/env python3
"""Issue 16, item 1: how many bytes hostile requests make the sandbox keep.

Starts `pasarela sandbox` (the binary given, logging notification attempts), then, as the issue's
attack did: (a) 1,200 ETpay sessions whose bodies carry ~1.8 MB; (b) 400 Lyra formTokens whose
`metadata` carries ~1.8 MB; (c) one payment order updated 300 times, each time with a new ~1.8 MB
unknown key; (e) 3,000 formTokens with 60 KB of metadata (small enough to be kept: the store's
byte budget applies); (d) 60 payments whose `ipnTargetUrl` is 1.9 MB long. Prints the sandbox's RSS after
each step, the size of `GET /sandbox/notifications` and of the sandbox's log, and how each request
was answered. Standard library only.

    python3 .ci/state-bytes.py target/release/pasarela
    python3 .ci/state-bytes.py target/debug/pasarela --scale 0.1   # a tenth of the requests
"""
import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

SHOP, PASSWORD = None, None


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        for _ in range(2):
            try:
                self.conn.request("POST", path, data, h)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        raise RuntimeError("no answer")

    def get(self, path):
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        return r.status, r.read()


def lyra(client, ws, body):
    auth = base64.b64encode(f"{SHOP}:{PASSWORD}".encode()).decode()
    status, raw = client.post(f"/api-payment/V4/{ws}", body, {"Authorization": f"Basic {auth}"})
    env = json.loads(raw)
    return env["status"], env["answer"]


def tally(counts, key):
    counts[key] = counts.get(key, 0) + 1


def main():
    global SHOP, PASSWORD
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's counts")
    args = parser.parse_args()
    n = lambda count: max(1, int(count * args.scale))
    port = free_port()
    log_path = tempfile.mktemp(prefix="state-bytes-", suffix=".log")
    log = open(log_path, "w")
    # A notification URL nobody listens on: every IPN attempt fails fast and is logged.
    proc = subprocess.Popen(
        [args.binary, "sandbox", "--addr", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(200):
            time.sleep(0.1)
            text = open(log_path).read()
            if "test cards:" in text:
                break
        for line in text.splitlines():
            if " shop id " in line:
                words = line.split()
                SHOP = words[words.index("id") + 1]
                PASSWORD = words[words.index("password") + 1]
            if "merchant_api_token" in line:
                words = line.split()
                etpay_code = words[words.index("merchant_code") + 1]
                etpay_token = words[words.index("merchant_api_token") + 1]
        c = Client(port)
        print(f"RSS at start: {rss_mib(proc.pid)} MiB")
        big = "x" * 1_800_000

        counts = {}
        for i in range(n(1200)):
            status, _ = c.post("/etpay/session/initialize", {
                "merchant_code": etpay_code, "merchant_api_token": etpay_token,
                "merchant_order_id": f"big-{i}", "order_amount": 1000, "cart": big})
            tally(counts, status)
        print(f"(a) {n(1200)} ETpay sessions with a 1.8 MB body: answers {counts}; RSS {rss_mib(proc.pid)} MiB")

        counts = {}
        for i in range(n(400)):
            status, answer = lyra(c, "Charge/CreatePayment", {
                "amount": 990, "currency": "PEN", "metadata": {"cart": big}})
            tally(counts, status if status == "SUCCESS" else answer.get("errorCode"))
        print(f"(b) {n(400)} formTokens with 1.8 MB metadata: answers {counts}; RSS {rss_mib(proc.pid)} MiB")

        counts = {}
        _, order = lyra(c, "Charge/CreatePaymentOrder", {
            "amount": 1000, "currency": "PEN", "channelOptions": {"channelType": "URL"}})
        for i in range(n(300)):
            status, answer = lyra(c, "Charge/PaymentOrder/Update", {
                "paymentOrderId": order["paymentOrderId"], "channelOptions": {"channelType": "URL"},
                f"unknown-{i}": big})
            tally(counts, status if status == "SUCCESS" else answer.get("errorCode"))
        print(f"(c) one payment order updated {n(300)} times with a new 1.8 MB unknown key: answers {counts}; RSS {rss_mib(proc.pid)} MiB")

        counts = {}
        kept = "k" * 60_000  # under the 64 KiB a stored object may weigh: accepted and kept
        for i in range(n(3000)):
            status, answer = lyra(c, "Charge/CreatePayment", {
                "amount": 990, "currency": "PEN", "metadata": {"cart": kept}})
            tally(counts, status if status == "SUCCESS" else answer.get("errorCode"))
        print(f"(e) {n(3000)} formTokens with 60 KB metadata: answers {counts}; RSS {rss_mib(proc.pid)} MiB")

        counts = {}
        long_url = "http://127.0.0.1:9/" + "u" * 1_900_000
        for i in range(n(60)):
            status, answer = lyra(c, "Charge/CreatePayment", {
                "amount": 990, "currency": "PEN", "ipnTargetUrl": long_url})
            if status != "SUCCESS":
                tally(counts, answer.get("errorCode"))
                continue
            code, _ = c.post("/sandbox/lyra/pay", {"formToken": answer["formToken"], "outcome": "paid"})
            tally(counts, f"paid {code}")
        time.sleep(3)  # let the retries run
        _, listing = c.get("/sandbox/notifications")
        log.flush()
        print(f"(d) {n(60)} payments with a 1.9 MB ipnTargetUrl: answers {counts}; "
              f"/sandbox/notifications {len(listing)} bytes; log {os.path.getsize(log_path)} bytes; "
              f"RSS {rss_mib(proc.pid)} MiB")
    finally:
        proc.terminate()
        proc.wait()
        os.unlink(log_path)


if __name__ == "__main__":
    sys.exit(main())
