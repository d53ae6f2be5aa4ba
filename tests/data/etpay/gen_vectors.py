#!/usr/bin/env python3
"""Generates ETpay-style JWT test vectors with PyJWT, an implementation independent of ours.

ETpay publishes no JWT test vector, so these are SYNTHETIC: the claims follow the example in
ETpay's Python SDK README (etpay-sdk 1.0.1), the keys are made up. ETpay's own SDK verifies
with `jwt.decode(token, signature_token, ["HS256"])`, i.e. PyJWT with the raw string as key,
which is exactly what these vectors are signed with.

Usage (from the repository root):
    pip install pyjwt
    python3 tests/data/etpay/gen_vectors.py

Writes tests/data/etpay/pyjwt_vectors.json (committed, so the Rust tests need no Python) and,
when tests/data/etpay/ours_vectors.json exists (written by our signer, see tests/etpay_jwt.rs),
checks that PyJWT accepts every token in it with the stated key and claims.
"""

import base64
import hashlib
import hmac
import json
import os
import sys

import jwt  # PyJWT

HERE = os.path.dirname(os.path.abspath(__file__))

SIGNATURE_TOKEN = "synthetic-signature-token-4f9a2c7e1b3d5f60a8c2e4b6d8f0a1c3"
WRONG_KEY = "synthetic-signature-token-of-another-session-000000000000"
SESSION_TOKEN = "wWkobSyntheticSessionToken0123456789abcdefABCDEFghijklmnopqrwC0L5"

# The SDK README example payload, with its "[...]" truncations replaced by synthetic values.
PAYMENT = {
    "session_token": SESSION_TOKEN,
    "merchant_account_bank": "cl_estado",
    "merchant_account_type": "cuenta_vista",
    "merchant_account": "19687526",
    "merchant_name": "Sandbox Developer Merchant",
    "merchant_currency": "CLP",
    "merchant_order_id": "oc1234566",
    "merchant_amount": 1,
    "user_bank": "Banco de prueba",
    "user_rut": "111111111",
    "user_account": "Cuenta Corriente 12345678",
    "payment_token": "prNZKSyntheticPaymentTokenyuPfd",
    "payment_status": True,
    "payment_process": "auto",
    "iat": 1643663332,
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_header(header: dict, claims: dict, key: str) -> str:
    """A token whose header says anything but whose signature is HMAC-SHA256 with `key`
    (the classic algorithm-confusion forgery)."""
    signing_input = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + b64(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    mac = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


def vectors():
    out = []

    def add(name, description, token, key, expect, claims=None):
        out.append(
            {
                "name": name,
                "description": description,
                "jwt": token,
                "key": key,
                "expect": expect,
                "claims": claims,
            }
        )

    add("valid_bool_status", "SDK README claims, payment_status true",
        jwt.encode(PAYMENT, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "payment", PAYMENT)

    string_status = dict(PAYMENT, payment_status="success")
    add("valid_string_status", "payment_status as the string \"success\"",
        jwt.encode(string_status, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "payment",
        string_status)

    not_paid = dict(PAYMENT, payment_status=False)
    add("valid_not_paid", "payment_status false: authentic but not paid",
        jwt.encode(not_paid, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "payment", not_paid)

    unknown = dict(PAYMENT, payment_method="transfer", extra_info={"channel": "web", "attempt": 2})
    add("valid_unknown_claims", "two claims this crate does not know",
        jwt.encode(unknown, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "payment", unknown)

    minimal = {"session_token": SESSION_TOKEN, "payment_status": "failed", "iat": 1643663332}
    add("valid_minimal_failure", "only session_token, payment_status and iat",
        jwt.encode(minimal, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "payment", minimal)

    add("wrong_key", "signed with another session's signature_token",
        jwt.encode(PAYMENT, WRONG_KEY, algorithm="HS256"), SIGNATURE_TOKEN, "bad_signature")

    add("alg_none", "unsigned token, header alg none",
        jwt.encode(PAYMENT, None, algorithm="none"), SIGNATURE_TOKEN, "wrong_algorithm")

    add("hs384", "HS384 with the right key",
        jwt.encode(PAYMENT, SIGNATURE_TOKEN, algorithm="HS384"), SIGNATURE_TOKEN, "wrong_algorithm")

    add("hs512", "HS512 with the right key",
        jwt.encode(PAYMENT, SIGNATURE_TOKEN, algorithm="HS512"), SIGNATURE_TOKEN, "wrong_algorithm")

    add("rs256_header_hmac_signed", "header says RS256, signature is HMAC-SHA256 with the key",
        hs256_with_header({"alg": "RS256", "typ": "JWT"}, PAYMENT, SIGNATURE_TOKEN),
        SIGNATURE_TOKEN, "wrong_algorithm")

    no_iat = {k: v for k, v in PAYMENT.items() if k != "iat"}
    add("missing_iat", "valid signature, no iat claim",
        jwt.encode(no_iat, SIGNATURE_TOKEN, algorithm="HS256"), SIGNATURE_TOKEN, "invalid_claims")

    system_error = {"session_token": SESSION_TOKEN, "system_error": True, "iat": 1643663332}
    add("system_error", "system-error variant, signed with the session token",
        jwt.encode(system_error, SESSION_TOKEN, algorithm="HS256"), SESSION_TOKEN, "system_error",
        system_error)
    return out


def check_ours():
    path = os.path.join(HERE, "ours_vectors.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        ours = json.load(f)
    for v in ours["vectors"]:
        decoded = jwt.decode(v["jwt"], v["key"], algorithms=["HS256"],
                             options={"require": [], "verify_exp": False, "verify_iat": False})
        if decoded != v["claims"]:
            sys.exit(f"PyJWT decoded {v['name']} differently: {decoded}")
    print(f"PyJWT {jwt.__version__} verified {len(ours['vectors'])} vectors from our signer")


def main():
    doc = {
        "generator": f"tests/data/etpay/gen_vectors.py with PyJWT {jwt.__version__}",
        "note": "SYNTHETIC vectors (not ETpay artefacts): SDK README claims, made-up keys.",
        "vectors": vectors(),
    }
    with open(os.path.join(HERE, "pyjwt_vectors.json"), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(doc['vectors'])} vectors")
    check_ours()


if __name__ == "__main__":
    main()
