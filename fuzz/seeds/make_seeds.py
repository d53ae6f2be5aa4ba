#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/<target>/ from the test fixtures, vectors and spec examples.

Run from the repository root: python3 fuzz/seeds/make_seeds.py
Seeds are small (each a fixture, a vector or a spec example); libFuzzer grows its own corpus
in fuzz/corpus/<target>/ (gitignored) from them.
"""
import glob
import hashlib
import json
import os
import urllib.parse

import yaml

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "fuzz", "seeds")


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def compact(path):
    return json.dumps(json.load(open(path)), separators=(",", ":"))


# Lyra form bodies and kr-answers.
for path in sorted(glob.glob("tests/data/lyra/*.body")):
    put("lyra_notification", read(path).rstrip(b"\n"), os.path.basename(path))
for vector in json.load(open("tests/data/lyra/vectors.json"))["vectors"]:
    body = vector.get("body")
    if body:
        put("lyra_notification", body, "vector_" + vector["name"])
payments = sorted(glob.glob("tests/fixtures/lyra/Payment/*.json")) + ["tests/data/lyra/payment_paid.json"]
for path in payments:
    put("lyra_notification", compact(path), "answer_" + os.path.basename(path))
    put("kr_answer", compact(path), os.path.basename(path))

# V4 envelopes: fixtures, and every response example of the spec.
for path in sorted(glob.glob("tests/fixtures/lyra/WebServiceResponse/*.json")):
    put("v4_envelope", compact(path), os.path.basename(path))
# Envelopes around the typed Payment and Transaction answers of the kr-answer fixtures.
for path in payments[:1]:
    payment = json.load(open(path))
    for name, answer in (("payment", payment), ("transaction", payment["transactions"][0])):
        envelope = {"webService": "Transaction/Get", "version": "V4", "status": "SUCCESS",
                    "answer": answer, "mode": "TEST", "_type": "V4/WebService/Response"}
        put("v4_envelope", json.dumps(envelope, separators=(",", ":")), f"envelope_{name}_{os.path.basename(path)}")
spec = yaml.safe_load(open("openapi/lyra-v4.yaml"))
for route, item in spec.get("paths", {}).items():
    for method, op in item.items():
        if not isinstance(op, dict):
            continue
        for status, response in op.get("responses", {}).items():
            for media in response.get("content", {}).values():
                examples = dict(media.get("examples", {}) or {})
                if "example" in media:
                    examples["example"] = {"value": media["example"]}
                for name, example in examples.items():
                    value = example.get("value") if isinstance(example, dict) else None
                    if isinstance(value, dict):
                        op_id = op.get("operationId", route.strip("/").replace("/", "_"))
                        put("v4_envelope", json.dumps(value, separators=(",", ":")), f"spec_{op_id}_{status}_{name}")
                        answer = value.get("answer")
                        if isinstance(answer, dict) and answer.get("_type") == "V4/Payment":
                            put("kr_answer", json.dumps(answer, separators=(",", ":")), f"spec_{op_id}_{name}")

# ETpay: webhook bodies (JSON and form), redirect URLs, bare JWTs, and claims (for the
# signed half of the target).
for path in sorted(glob.glob("tests/fixtures/etpay/NotificationBody/*.json")):
    body = json.load(open(path))
    put("etpay_jwt", compact(path), "body_" + os.path.basename(path))
    put("etpay_jwt", "payment=" + urllib.parse.quote(body["payment"]), "form_" + os.path.basename(path))
    put("etpay_jwt", "https://shop.example/ok?order=1&jwt=" + body["payment"], "redirect_" + os.path.basename(path))
for source in ("pyjwt_vectors", "ours_vectors"):
    for i, vector in enumerate(json.load(open(f"tests/data/etpay/{source}.json"))["vectors"]):
        jwt = vector.get("jwt") or vector.get("token")
        if jwt:
            put("etpay_jwt", jwt, f"{source}_{vector.get('name', i)}")
for path in sorted(glob.glob("tests/fixtures/etpay/*Claims/*.json")):
    kind = os.path.basename(os.path.dirname(path))
    put("etpay_jwt", compact(path), f"claims_{kind}_{os.path.basename(path)}")
put("etpay_jwt", '{"session_token":"fuzz-session-token","system_error":true,"iat":1643663332}', "claims_system_error_matching_session")
