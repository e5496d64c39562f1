"""Send malformed values through every form of a running demo and report server errors.

Signs in as each demo role (TOTP secrets read from `edudx demo_logins`, so run it from the
checkout that serves the demo), walks up to --pages pages from the home page (two of each
URL shape), and posts each POST form once per (field, bad value) — the other fields as the
page filled them — plus once with every field bad. Any 5xx, or a request that fails, is
printed with the form and the value; the exit status is the number of them (0: none).
A bad value must get a clear error (a 4xx page), never a server error.

    PORT=8001 make demo            # in another terminal, or a second checkout
    .venv/bin/python tools/fuzz_forms.py --base http://127.0.0.1:8001 giao_vien van_thu

Every form is really sent: run it against a throwaway demo database, never a real one.
"""

import argparse
import base64
import hashlib
import hmac
import random
import re
import struct
import subprocess
import sys
import time
from urllib.parse import urljoin, urlparse

import httpx
import lxml.html

PASSWORD = "edudx-demo-2025"  # noqa: S105 — the demo's published password
BAD = [
    "", "abc", "-1", "0", "99999999999999999999", "2025-02-31", "31/02/2025", "1e309", "NaN",
    "x" * 3000, "\u0663\u0664", "2025-13-01T25:61", "<b>x</b>'\"", "\uff11\uff12", "-Infinity",
]  # fmt: skip
SKIP = (
    "/accounts/logout", "/accounts/otp", "/static/", "/media/", "/api/", "/i18n/", ".pdf",
    ".xlsx", ".csv", "/download", "/export", "/print", "/receipts/", "/certificate",
)  # fmt: skip


def totp(secret: str) -> str:
    digest = hmac.new(
        base64.b32decode(secret), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1
    ).digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


def demo_secrets() -> dict[str, str]:
    out = subprocess.run(  # noqa: S603 — our own command
        [".venv/bin/edudx", "demo_logins"], capture_output=True, text=True, check=True
    ).stdout
    return dict(re.findall(r"^(\w+)\s*\|\s*([A-Z2-7]{32})\s*\|", out, re.M))


def sign_in(base: str, role: str, secrets: dict[str, str]) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=90, follow_redirects=True)
    page = c.get("/accounts/login/")
    r = c.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": _csrf(page.text), "username": role, "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if "/accounts/otp" in str(r.url):
        r = c.post(
            "/accounts/otp/",
            data={"csrfmiddlewaretoken": _csrf(r.text), "token": totp(secrets[role])},
            headers={"Referer": str(r.url)},
        )
    if "/accounts/" in str(r.url):
        sys.exit(f"{role}: could not sign in")
    return c


def _csrf(html: str) -> str:
    return lxml.html.fromstring(html).xpath('//input[@name="csrfmiddlewaretoken"]/@value')[0]


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(get, base: str, limit: int) -> tuple[list, list[str]]:
    """The POST forms of up to `limit` pages from home — (page, action path, form) — and the
    pages that answered a GET with a server error. `get(path)` answers a page (following
    redirects): an httpx client's, or Django's test client's."""
    seen: set[str] = set()
    queue, forms, shapes, failures = ["/"], [], {}, []
    netloc = urlparse(base).netloc
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        r = get(path)
        if r.status_code >= 500:
            failures.append(f"GET {r.status_code} {path}")
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        doc = lxml.html.fromstring(r.content)
        for href in doc.xpath("//a/@href"):
            u = urlparse(urljoin(f"{base}{path}", href))
            if u.netloc != netloc or any(s in u.path for s in SKIP):
                continue
            shape = _shape(u.path)
            if shapes.get(shape, 0) < 2 and u.path not in seen:
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(u.path + (f"?{u.query}" if u.query else ""))
        for f in doc.xpath("//form[translate(@method, 'POST', 'post')='post']"):
            action = urlparse(urljoin(f"{base}{path}", f.get("action") or path)).path
            if not any(s in action for s in SKIP):
                forms.append((path, action, f))
    return forms, failures


def fields_of(form) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """The form as the page filled it, the names a person types or picks, its file fields."""
    filled, typed, files = [], [], []
    for el in form.xpath(".//input|.//select|.//textarea"):
        name = el.get("name")
        kind = (el.get("type") or "text").lower() if el.tag == "input" else el.tag
        if not name or name in ("csrfmiddlewaretoken", "_once") or kind in ("submit", "button"):
            continue
        if kind == "file":
            files.append(name)
        elif kind in ("checkbox", "radio"):
            if el.get("checked") is not None:
                filled.append((name, el.get("value") or "on"))
        elif el.tag == "select":
            options = el.xpath(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            filled.append(
                (name, chosen[0].get("value", chosen[0].text_content()) if chosen else "")
            )
        else:
            filled.append((name, el.text or "" if el.tag == "textarea" else el.get("value") or ""))
        if kind not in ("hidden", "file"):
            typed.append(name)
    button = form.xpath(".//button[@name]|.//input[@type='submit'][@name]")
    if button:
        filled.append((button[0].get("name"), button[0].get("value") or ""))
    return filled, list(dict.fromkeys(typed)), files


def fuzz(post, forms, values, *, all_bad: bool = True) -> list[str]:
    """Send each form (one of each action and set of fields) once per typed field and bad
    value — `values(name)` gives them — the other fields as the page filled them, and with
    `all_bad` once more with every typed field bad; the sends answered with a 5xx.
    `post(page, action, body, files)` sends a body {name: [values]} and answers its status."""
    failures, done = [], set()
    for page, action, form in forms:
        filled, typed, files = fields_of(form)
        key = (_shape(action), tuple(sorted(n for n, _ in filled)))
        if key in done:
            continue
        done.add(key)
        trials = [(name, v) for name in typed for v in values(name)]
        if all_bad:
            trials.append(("*", ""))
        for name, value in trials:
            body: dict[str, list[str]] = {}
            for n, filled_value in filled:
                sent = filled_value
                if name == "*" and n in typed:
                    sent = random.choice(BAD)
                elif n == name:
                    sent = value
                body.setdefault(n, []).append(sent)
            try:
                status = post(page, action, body, files)
            except httpx.HTTPError as exc:
                failures.append(f"{action} {name}={value[:30]!r}: {exc!r}")
                continue
            if status >= 500:
                failures.append(f"{status} {action} {name}={value[:30]!r}")
    return failures


def refusals(send, forms) -> list[str]:
    """Forms that lose what was typed when refused (decision 30): each form is sent once
    per typed field with that field blank (or its first other choice); a refusal — an
    error in the page's messages or under a field — answered with a redirect (the form
    comes back empty) or with a 200 is listed. `send(page, action, body, files)` answers
    (status, the page shown after it). A refused page that shows a text field blanked
    filled again (re-read from storage, not as typed) is listed too."""
    found, done = [], set()
    for page, action, form in forms:
        filled, typed, files = fields_of(form)
        key = (_shape(action), tuple(sorted(n for n, _ in filled)))
        if key in done or not typed:
            continue
        done.add(key)
        texts = _text_fields(form)
        for name in typed:
            body: dict[str, list[str]] = {}
            for n, value in filled:
                body.setdefault(n, []).append("" if n == name else value)
            status, html = send(page, action, body, files)
            refused = 'class="msg-error"' in html or 'class="field-error"' in html
            if refused and status in (200, 302, 303):
                how = "redirected" if status != 200 else "answered 200"
                found.append(f"{how}: {action} (from {page}) with {name} blank")
                break
            if refused and texts.get(name) and not _shown_blank(html, name):
                found.append(f"not as typed: {action} (from {page}) refilled {name} when blank")
                break
    return found


def _text_fields(form) -> dict[str, str]:
    """The form's text fields (a typed value, not a choice) and the value the page gave."""
    out = {}
    for el in form.xpath(".//input|.//textarea"):
        kind = (el.get("type") or "text").lower() if el.tag == "input" else "textarea"
        if el.get("name") and kind in ("text", "textarea", "number", "email", "tel", "url"):
            out[el.get("name")] = el.text or "" if kind == "textarea" else el.get("value") or ""
    return out


def _shown_blank(html: str, name: str) -> bool:
    """Whether some field `name` of the page is blank (one form of several may be)."""
    doc = lxml.html.fromstring(html)
    for el in doc.xpath(f'//input[@name="{name}"]|//textarea[@name="{name}"]'):
        if not ((el.text if el.tag == "textarea" else el.get("value")) or "").strip():
            return True
    return False


def _post(c: httpx.Client, page: str, action: str, body: dict, files: list[str]):
    body = {**body, "csrfmiddlewaretoken": [c.cookies.get("csrftoken", "")]}
    upload = {f: ("x.pdf", b"%PDF-1.4 not really", "application/pdf") for f in files}
    base = str(c.base_url).rstrip("/")
    return c.post(
        action,
        data=body,
        files=upload or None,
        headers={"Referer": f"{base}{page}"},
        follow_redirects=False,
    )


def _sender(c: httpx.Client):
    return lambda page, action, body, files: _post(c, page, action, body, files).status_code


def _refusal_sender(c: httpx.Client):
    def send(page: str, action: str, body: dict, files: list[str]) -> tuple[int, str]:
        r = _post(c, page, action, body, files)
        if r.status_code in (301, 302, 303):  # the messages show on the page it leads to
            return r.status_code, c.get(r.headers["location"]).text
        return r.status_code, r.text

    return send


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("roles", nargs="*", default=["giao_vien", "van_thu", "hieu_truong"])
    p.add_argument("--base", default="http://127.0.0.1:8000")
    p.add_argument("--pages", type=int, default=60)
    p.add_argument("--per-field", type=int, default=5, help="bad values tried per field")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--refusals",
        action="store_true",
        help="instead: list the forms a refusal empties (a redirect) or answers with a 200",
    )
    args = p.parse_args()
    random.seed(args.seed)
    secrets = demo_secrets()
    failures = []
    for role in args.roles:
        c = sign_in(args.base, role, secrets)
        forms, found = crawl(c.get, args.base.rstrip("/"), args.pages)
        if args.refusals:
            found += refusals(_refusal_sender(c), forms)
            print(f"{role}: {len(forms)} forms, {len(found)} refusals that lose the form")
            failures += [f"{role}: {f}" for f in found]
            continue
        found += fuzz(_sender(c), forms, lambda _name: random.sample(BAD, args.per_field))
        print(f"{role}: {len(forms)} forms, {len(found)} server errors", flush=True)
        failures += [f"{role}: {f}" for f in found]
    for f in failures:
        print(f)
    return min(len(failures), 100)


if __name__ == "__main__":
    sys.exit(main())
