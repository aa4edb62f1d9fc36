"""The vendors' kit checked against a running service (run by ops/webtest, in its venv): the
receipt verifier printed in both integration guides is extracted from the guide and run as a
vendor would run it — on a receipt the service just issued, a tampered one, one naming a key the
vendor's JWKS copy lacks (fetched again once), and against a request it does not confirm.

Environment: WEBTEST_API (the direct channel), WEBTEST_OTHER_TOKEN (a body's bearer token),
WEBTEST_ADMIN_DB_URL (psql, to find a settlement of that body's hromada).
"""

import base64
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = os.environ["WEBTEST_API"]
TOKEN = os.environ["WEBTEST_OTHER_TOKEN"]
EDRPOU = "04055896"
HROMADA = "UA46060250000025047"


def guide_code(name):
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    code = [b for b in blocks if "def verify_receipt" in b]
    if len(code) != 1:
        raise SystemExit(f"{name}: expected one Python verifier, found {len(code)}")
    namespace = {}
    exec(compile(code[0], f"{name}:verify_receipt", "exec"), namespace)  # noqa: S102
    return namespace


def submit(document):
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(API + "/v1/registration-actions", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req, timeout=20) as res:
        return body, json.load(res)


def settlement():
    out = subprocess.run(
        ["psql", os.environ["WEBTEST_ADMIN_DB_URL"], "-XAtc",
         f"SELECT code FROM katottg WHERE hromada = '{HROMADA}' AND category = 'M' LIMIT 1"],
        capture_output=True, text=True, check=True)
    return out.stdout.strip()


def raises(fn, kind):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the kind is checked below
        return type(e).__name__ == kind or isinstance(e, ValueError) and kind == "ValueError"
    return False


def main():
    example = json.loads((ROOT / "schemas/examples/registration-of-residence.json").read_text())
    failures = []
    for guide in ["integration-guide.en.md", "integration-guide.uk.md"]:
        v = guide_code(guide)
        doc = json.loads(json.dumps(example))
        doc["external_id"] = f"KIT-{guide[18:20]}-{os.getpid()}"
        doc["address"] = {"katottg": settlement(), "building": "1"}
        doc["person"]["document"]["number"] = f"НВ{os.getpid() % 1000000:06d}"
        doc["person"].pop("rnokpp", None)
        sent, answer = submit(doc)
        receipt = answer["receipt"]
        jwks = v["fetch_jwks"](API)
        checks = []
        claims = v["verify_receipt"](receipt, jwks, sent, EDRPOU)
        checks.append(("a fresh receipt verifies", claims["external_id"] == doc["external_id"]))
        h, p, s = receipt.split(".")
        altered = json.loads(v["b64url"](p))
        altered["late"] = not altered["late"]
        p2 = base64.urlsafe_b64encode(json.dumps(altered).encode()).decode().rstrip("=")
        checks.append(("an altered receipt is refused",
                       raises(lambda: v["verify_receipt"](f"{h}.{p2}.{s}", jwks, sent, EDRPOU),
                              "InvalidSignature")))
        fetched = []
        claims = v["verify_receipt"](receipt, {"keys": []}, sent, EDRPOU,
                                     refetch=lambda: fetched.append(1) or v["fetch_jwks"](API))
        checks.append(("an unknown kid fetches the JWKS once", fetched == [1]))
        checks.append(("no refetch, unknown kid: refused",
                       raises(lambda: v["verify_receipt"](receipt, {"keys": []}, sent, EDRPOU),
                              "ValueError")))
        other = json.loads(sent)
        other["external_id"] = "SOMETHING-ELSE"
        checks.append(("another request is not confirmed",
                       raises(lambda: v["verify_receipt"](
                           receipt, jwks, json.dumps(other, ensure_ascii=False).encode(), EDRPOU),
                           "ValueError")))
        checks.append(("another body is not confirmed",
                       raises(lambda: v["verify_receipt"](receipt, jwks, sent, "04060772"),
                              "ValueError")))
        for name, ok in checks:
            print(f"{'PASS' if ok else 'FAIL'} kit {guide}: {name}")
            if not ok:
                failures.append((guide, name))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
