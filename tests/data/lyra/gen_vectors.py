#!/usr/bin/env python3
"""Generates the Lyra browser-return / IPN signature test vectors, independently of the Rust code.

Run from the crate root:  python3 tests/data/lyra/gen_vectors.py
Writes (and these outputs are committed):
  tests/data/lyra/vectors.json      the named matrix read by tests/lyra_notification.rs
  tests/data/lyra/ipn_paid.body     a raw IPN body (signed with the password) for the CLI test
  tests/data/lyra/browser_return_paid.body   a raw browser-return body (signed with the HMAC key)

Signatures come from Python's standard `hmac` module only (no code shared with the crate).
The input answer is the kr-answer example of seed 002 (`payment_paid.json`), compacted as the
gateway sends it.

Each vector also records what the seed's `paid.php` `checkHash` says about it, ported below
line by line (`paid_php_check_hash`), including PHP's loose `==` comparison. The Rust test
checks that whenever our `verify` accepts a signature, paid.php accepts it too, and that every
vector paid.php accepts but we reject carries a `stricter_than_paid_php` reason.
"""

import hashlib
import hmac
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

HERE = Path(__file__).resolve().parent

# The public DEMO password of Lyra's examples, and a synthetic 32-hex-digit HMAC-SHA-256 key.
PASSWORD = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M"
HMAC_KEY = "0123456789abcdeffedcba9876543210"
OTHER_PASSWORD = "prodpassword_SOMEOTHERSHOP000000000000000000"


def kr_hash(answer: str, key: str) -> str:
    """What Lyra computes: lowercase hex HMAC-SHA256(key, answer with every \\/ read as /)."""
    msg = answer.replace("\\/", "/")
    return hmac.new(key.encode("utf-8"), msg.encode("utf-8"), hashlib.sha256).hexdigest()


# --- The seed's paid.php, ported -----------------------------------------------------------
#
#   function checkHash($data, $key) {
#       $supported_sign_algos = array('sha256_hmac');
#       if (!in_array($data['kr-hash-algorithm'], $supported_sign_algos)) { return false; }
#       $kr_answer = str_replace('\/', '/', $data['kr-answer']);
#       $hash = hash_hmac('sha256', $kr_answer, $key);
#       return ($hash == $data['kr-hash']);
#   }
#
# paid.php always passes SHA_KEY (it only handles the browser return); Lyra's ipn.php passes the
# password. The port picks the key the way both examples and the SDK do: by kr-hash-key.

_PHP_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def php_loose_equals(a, b) -> bool:
    """PHP 8 `==` between two values that are strings or null (as $_POST gives)."""
    if a is None or b is None:
        # null == "" is true; null == "x" is false.
        return (a or "") == (b or "")
    if _PHP_NUMERIC.match(a) and _PHP_NUMERIC.match(b):
        # Two numeric strings compare as numbers ("0e1" == "0e2"): the "magic hash" pitfall.
        return float(a) == float(b)
    return a == b


def paid_php_check_hash(data: dict, key) -> bool:
    algo = data.get("kr-hash-algorithm")
    if not any(php_loose_equals(algo, supported) for supported in ["sha256_hmac"]):
        return False
    if key is None:
        return False
    kr_answer = (data.get("kr-answer") or "").replace("\\/", "/")
    computed = hmac.new(key.encode("utf-8"), kr_answer.encode("utf-8"), hashlib.sha256).hexdigest()
    return php_loose_equals(computed, data.get("kr-hash"))


def paid_php_on_body(body: str) -> bool:
    # $_POST: later duplicates overwrite earlier ones.
    data = dict(parse_qsl(body, keep_blank_values=True))
    kind = data.get("kr-hash-key")
    key = {"password": PASSWORD, "sha256_hmac": HMAC_KEY}.get(kind)
    return paid_php_check_hash(data, key)


# --- Bodies ----------------------------------------------------------------------------------

FIELDS = ["kr-hash", "kr-hash-algorithm", "kr-hash-key", "kr-answer-type", "kr-answer"]


def fields(answer, key, kind, answer_type="V4/Payment", algorithm="sha256_hmac", hash_value=None):
    return [
        ("kr-hash", hash_value if hash_value is not None else kr_hash(answer, key)),
        ("kr-hash-algorithm", algorithm),
        ("kr-hash-key", kind),
        ("kr-answer-type", answer_type),
        ("kr-answer", answer),
    ]


def encode(pairs) -> str:
    # Browsers and PHP encode spaces as '+' (application/x-www-form-urlencoded).
    return urlencode(pairs)


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def main():
    payment = json.loads((HERE / "payment_paid.json").read_text())
    answer = compact(payment)
    ipn = fields(answer, PASSWORD, "password")
    browser = fields(answer, HMAC_KEY, "sha256_hmac")
    ok_paid = {"ok": True, "order_status": "PAID", "order_id": "myOrderId-475882", "paid": True, "final": True}

    vectors = []

    def add(name, description, pairs_or_body, expect, stricter=None):
        body = pairs_or_body if isinstance(pairs_or_body, str) else encode(pairs_or_body)
        vector = {"name": name, "description": description, "body": body, "expect": expect,
                  "paid_php_check_hash": paid_php_on_body(body)}
        if stricter:
            vector["stricter_than_paid_php"] = stricter
        vectors.append(vector)

    def err(code, detail=None):
        e = {"ok": False, "error": code}
        if detail is not None:
            e["detail"] = detail
        return e

    add("browser_return_valid", "kr-post-url-success POST signed with the HMAC-SHA-256 key",
        browser, dict(ok_paid, signed_with="sha256_hmac"))
    add("ipn_valid", "IPN signed with the shop password", ipn, dict(ok_paid, signed_with="password"))
    add("ipn_with_kr_src", "IPN with the unsigned extra field kr-src=PAY",
        ipn + [("kr-src", "PAY")], dict(ok_paid, signed_with="password", kr_src="PAY"))
    for i, field in enumerate(FIELDS):
        add(f"missing_{field.replace('-', '_')}", f"IPN without {field}", ipn[:i] + ipn[i + 1:],
            err("missing_field", field),
            stricter="paid.php never reads kr-answer-type" if field == "kr-answer-type" else None)
    add("browser_return_signed_with_password", "kr-hash-key=sha256_hmac but hashed with the password",
        fields(answer, PASSWORD, "sha256_hmac"), err("signature_mismatch", "sha256_hmac"))
    add("ipn_signed_with_hmac_key", "kr-hash-key=password but hashed with the HMAC key",
        fields(answer, HMAC_KEY, "password"), err("signature_mismatch", "password"))
    add("ipn_signed_by_another_shop", "IPN hashed with another shop's password",
        fields(answer, OTHER_PASSWORD, "password"), err("signature_mismatch", "password"))
    add("unknown_key_kind", "kr-hash-key=sha256 (neither password nor sha256_hmac)",
        fields(answer, HMAC_KEY, "sha256"), err("unknown_key_kind", "sha256"))
    add("unsupported_algorithm", "kr-hash-algorithm=sha512_hmac",
        fields(answer, PASSWORD, "password", algorithm="sha512_hmac"), err("unsupported_algorithm", "sha512_hmac"))
    good = kr_hash(answer, PASSWORD)
    add("hash_uppercase", "the right hash in uppercase hex",
        fields(answer, PASSWORD, "password", hash_value=good.upper()), err("malformed_hash", "uppercase"))
    add("hash_odd_length", "the right hash without its last digit (63 digits)",
        fields(answer, PASSWORD, "password", hash_value=good[:-1]), err("malformed_hash", "wrong_length"))
    add("hash_even_short", "the right hash without its last two digits (62 digits)",
        fields(answer, PASSWORD, "password", hash_value=good[:-2]), err("malformed_hash", "wrong_length"))
    add("hash_non_hex", "the right hash with one digit replaced by 'g'",
        fields(answer, PASSWORD, "password", hash_value="g" + good[1:]), err("malformed_hash", "not_hex"))
    add("hash_empty", "an empty kr-hash", fields(answer, PASSWORD, "password", hash_value=""),
        err("malformed_hash", "wrong_length"))
    # One byte flipped: 'P' (0x50) of "PAID" XOR 0x01 = 'Q'; the hash is the original's.
    pos = answer.index('"orderStatus":"PAID"') + len('"orderStatus":"')
    flipped = answer[:pos] + chr(ord(answer[pos]) ^ 0x01) + answer[pos + 1:]
    add("answer_one_byte_flipped", "orderStatus PAID -> QAID after signing",
        fields(flipped, PASSWORD, "password", hash_value=good), err("signature_mismatch", "password"))
    escaped = answer.replace("/", "\\/")
    assert escaped != answer
    add("answer_escaped_slashes", "kr-answer posted with every / as \\/, hash over the unescaped text",
        fields(escaped, PASSWORD, "password", hash_value=good), dict(ok_paid, signed_with="password"))
    add("answer_escaped_slashes_hashed_escaped", "hash computed over the escaped text (never verifies)",
        fields(escaped, PASSWORD, "password",
               hash_value=hmac.new(PASSWORD.encode(), escaped.encode(), hashlib.sha256).hexdigest()),
        err("signature_mismatch", "password"))
    broken = dict(payment, transactions="none")
    add("answer_verifies_but_does_not_decode", "signed, but transactions is a string",
        fields(compact(broken), PASSWORD, "password"), err("undecodable_answer", "transactions"))
    add("answer_verifies_but_is_not_json", "signed, but kr-answer is not JSON",
        fields("not json", HMAC_KEY, "sha256_hmac"), err("undecodable_answer"))
    add("answer_type_escaped_slash", "kr-answer-type posted JSON-escaped as V4\\/Payment",
        fields(answer, PASSWORD, "password", answer_type="V4\\/Payment"), dict(ok_paid, signed_with="password"))
    legacy = compact({"legacy": True, "_type": "V3.1/IPNRequest"})
    add("other_answer_type", "a signed answer of another kr-answer-type is kept as JSON",
        fields(legacy, PASSWORD, "password", answer_type="V3.1/IPNRequest"),
        {"ok": True, "signed_with": "password", "paid": False, "final": False})
    unknown = dict(payment, orderStatus="SOMETHING_NEW", orderCycle="OPEN")
    add("unknown_order_status", "an orderStatus the crate does not know still decodes (not paid)",
        fields(compact(unknown), PASSWORD, "password"),
        {"ok": True, "signed_with": "password", "order_status": "SOMETHING_NEW",
         "order_id": "myOrderId-475882", "paid": False, "final": False})
    special = json.loads(answer)
    special["customer"]["email"] = "jose+maria@example.com"
    special["customer"]["billingDetails"]["firstName"] = "José & María = 100% ✓"
    add("answer_with_plus_ampersand_unicode", "+, &, =, % and non-ASCII survive URL-encoding",
        fields(compact(special), HMAC_KEY, "sha256_hmac"), dict(ok_paid, signed_with="sha256_hmac"))
    add("duplicate_kr_hash", "a wrong kr-hash followed by the right one",
        [("kr-hash", "0" * 64)] + ipn, err("duplicate_field", "kr-hash"),
        stricter="PHP keeps the last duplicate; we refuse the ambiguity")
    add("empty_body", "no form at all", "", err("empty_body"))
    add("not_a_form", "a JSON body instead of a form", '{"kr-hash":"x"}', err("missing_field", "kr-hash"))

    out = {
        "_comment": "Generated by tests/data/lyra/gen_vectors.py with Python's hmac module; do not edit.",
        "keys": {"password": PASSWORD, "hmac_key": HMAC_KEY},
        "vectors": vectors,
    }
    (HERE / "vectors.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    (HERE / "ipn_paid.body").write_text(encode(ipn))
    (HERE / "browser_return_paid.body").write_text(encode(browser))
    agree = sum(1 for v in vectors if v["paid_php_check_hash"] == v["expect"]["ok"]
                or v["expect"].get("error") == "undecodable_answer")
    print(f"{len(vectors)} vectors; paid.php agrees on {agree}, "
          f"{sum(1 for v in vectors if 'stricter_than_paid_php' in v)} marked stricter")


if __name__ == "__main__":
    main()
