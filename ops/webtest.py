"""Browser tests of the web interface for officials (issue 11, "Tests and figures").

Run by ops/webtest, which starts a throwaway service and sets the WEBTEST_* variables:

    ops/webtest                      every scenario, in order
    ops/webtest cancel csrf          only those (what they need is made on the way)
    WEBTEST_SCREENSHOTS=1 ops/webtest   also refreshes docs/web-guide/*.png

Each scenario prints PASS or FAIL with its reason and time; the exit status is 1 when any fails.
axe-core runs on every page a scenario opens in the browser: a serious or critical WCAG 2.1 AA
violation fails the scenario. Checks of what was stored go to PostgreSQL as the superuser
(WEBTEST_ADMIN_DB_URL), which also simulates the passing of time (an idle session).
"""

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest_support as wt  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

BASE = os.environ["WEBTEST_BASE"]
API = os.environ["WEBTEST_API"]
ADMIN = os.environ["WEBTEST_ADMIN"]
DB_URL = os.environ["WEBTEST_ADMIN_DB_URL"]
OFFICIAL = json.load(open(os.environ["WEBTEST_OFFICIAL"], encoding="utf-8"))
OTHER_OFFICIAL = json.load(open(os.environ["WEBTEST_OTHER_OFFICIAL"], encoding="utf-8"))
SETUP_LINK = os.environ["WEBTEST_SETUP_LINK"]
OTHER_TOKEN = os.environ["WEBTEST_OTHER_TOKEN"]
SUPERVISOR = os.environ["WEBTEST_SUPERVISOR"]
# Only a staff officer may create verification requests (README: POST /admin/v1/verification-
# requests — officer); ops/webtest makes one for the Khmelnytskyi hromada.
OFFICER = os.environ.get("WEBTEST_OFFICER", SUPERVISOR)

OUR_EDRPOU = "04060772"
KHMELNYTSKYI = "UA68040470010096613"
LVIV_HROMADA = "UA46060250000025047"
ACTION_TYPES = [
    "declaration_of_residence",
    "registration_of_residence",
    "deregistration_of_residence",
    "declaration_of_stay",
    "registration_of_stay",
    "deregistration_of_stay",
]
PAGE_TIMEOUT_MS = 15_000
SCENARIO_SECONDS = 150
RUN_SECONDS = 900

# ---------------------------------------------------------------------------------------------
# Small helpers: the database, identifiers, people


def psql(sql, *args):
    """One value (or '') of a query run as the superuser; args are quoted as literals."""
    quoted = tuple("'" + str(a).replace("'", "''") + "'" for a in args)
    out = subprocess.run(
        ["psql", DB_URL, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql % quoted],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return out.stdout.strip()


def count_actions(where="true", *args):
    return int(psql("SELECT count(*) FROM registration_actions WHERE " + where, *args))


def unzr_for(birth, seq):
    """A valid УНЗР (DOMAIN.md: weights 7,3,1,… over the 12 digits, sum mod 10)."""
    digits = birth.strftime("%Y%m%d") + f"{seq:04d}"
    weights = [7, 3, 1] * 4
    check = sum(int(d) * w for d, w in zip(digits, weights)) % 10
    return f"{digits[:8]}-{digits[8:]}{check}"


def wrong_check_digit(unzr):
    return unzr[:-1] + str((int(unzr[-1]) + 1) % 10)


SURNAMES = ["Бондаренко", "Ткаченко", "Кравчук", "Мельник", "Шевчук", "Поліщук", "Лисенко",
            "Савченко", "Руденко", "Марченко", "Гончарук", "Олійник", "Захарченко", "Петренко",
            "Іваненко", "Сидоренко", "Гаврилюк", "Кушнір", "Романюк", "Білик", "Костенко",
            "Давиденко", "Литвиненко", "Дорошенко", "Ковальчук", "Павленко", "Федорук", "Мороз"]
GIVEN = [("Андрій", "male"), ("Олена", "female"), ("Тарас", "male"), ("Ірина", "female"),
         ("Богдан", "male"), ("Наталія", "female"), ("Степан", "male"), ("Оксана", "female")]
_rng = random.Random()
_used_surnames = set()


def new_person():
    """A person nobody has registered yet: valid УНЗР of their birth date, a 9-digit ID card."""
    free = [s for s in SURNAMES if s not in _used_surnames] or SURNAMES
    surname = _rng.choice(free)
    _used_surnames.add(surname)
    given, sex = _rng.choice(GIVEN)
    birth = date(1960, 1, 1) + timedelta(days=_rng.randrange(0, 40 * 365))
    return {
        "unzr": unzr_for(birth, _rng.randrange(1, 9999)),
        "surname": surname,
        "given_name": given,
        "patronymic": "Іванович" if sex == "male" else "Петрівна",
        "birth_date": birth.isoformat(),
        "sex": sex,
        "doc_number": f"{_rng.randrange(0, 10**9):09d}",
        "building": str(_rng.randrange(1, 120)),
        "apartment": str(_rng.randrange(1, 200)),
    }


def http_json(method, url, body, token):
    req = urllib.request.Request(
        url, method=method, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
    )
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


# ---------------------------------------------------------------------------------------------
# The browser: pages checked by axe, sign-in with fresh TOTP codes


class Run:
    def __init__(self, browser, base=None):
        self.browser = browser
        self.base = base or BASE  # the door: the officials' web, or the staff console
        self.contexts = []
        self.visited = 0
        self.last_step = {}  # login -> the TOTP step last accepted (a code is accepted once)
        self.ours = None  # a page of our official, signed in once and shared
        self.new_official = None  # khm.new's credentials once set up
        self.made = {}  # things made along the way, shared by scenarios: resident, action

    def context(self, **kw):
        ctx = self.browser.new_context(ignore_https_errors=True, locale="uk-UA",
                                       viewport={"width": 1280, "height": 900}, **kw)
        ctx.set_default_timeout(PAGE_TIMEOUT_MS)
        ctx.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        self.contexts.append(ctx)
        return ctx

    def close(self):
        for c in self.contexts:
            try:
                c.close()
            except Exception:
                pass

    def check(self, page, what=""):
        """axe on the page now shown; a serious or critical violation fails the scenario."""
        self.visited += 1
        bad = wt.axe_check(page)
        if bad:
            raise Fail(f"axe on {page.url} {what}: " + "; ".join(
                f"{v['id']} ({v['impact']}): {v['help']} at {v['targets'][:3]}" for v in bad))

    def goto(self, page, path, status=200):
        res = page.goto(self.base + path)
        got = res.status if res else None
        expect(got == status, f"GET {path}: status {got}, expected {status}")
        self.check(page)
        return res

    def code(self, login, secret):
        """A TOTP code of a step not used before by this login; the server accepts the current
        step and one either side, each once."""
        while True:
            now = time.time()
            cur = int(now // 30)
            step = max(cur - 1, self.last_step.get(login, -1) + 1)
            if step <= cur + 1:
                break
            time.sleep((step - 1) * 30 - now + 0.5)
        return step, _totp_at(secret, step)

    def post_sign_in(self, page, login, password, code):
        """Fill and send the sign-in form on the page shown; the POST's status."""
        page.get_by_label("Логін").fill(login)
        page.get_by_label("Пароль", exact=True).fill(password)
        page.get_by_label("Код із застосунку автентифікації").fill(code)
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.url.startswith(self.base + "/sign-in")) as res:
            page.get_by_role("button", name="Увійти").click()
        page.wait_for_load_state()
        self.check(page, "after sign-in")
        return res.value.status

    def sign_in(self, page, who, expect_ok=True):
        page.goto(self.base + "/sign-in")
        self.check(page)
        step, code = self.code(who["login"], who["totp_secret"])
        status = self.post_sign_in(page, who["login"], who["password"], code)
        if expect_ok:
            expect(urllib.parse.urlparse(page.url).path == "/",
                   f"sign-in of {who['login']} did not reach home: POST {status}, {page.url}: "
                   f"{_problem(page)}")
            self.last_step[who["login"]] = step
        return status

    def fresh_page(self):
        """After a failure, our official's next scenario starts on a new tab of the same session."""
        if self.ours is not None:
            ctx = self.ours.context
            try:
                self.ours.close()
            except Exception:
                pass
            self.ours = ctx.new_page()

    def our_page(self):
        if self.ours is None:
            page = self.context().new_page()
            self.sign_in(page, OFFICIAL)
            self.ours = page
        return self.ours


def _totp_at(secret, step):
    import pyotp

    return pyotp.TOTP(secret).at(step * 30)


def _problem(page):
    loc = page.locator(".govuk-error-summary")
    return loc.inner_text().replace("\n", " ") if loc.count() else "(no error summary)"


def session_cookie(ctx):
    for c in ctx.cookies():
        if c["name"].endswith("session") or "session" in c["name"].lower():
            if "pre" not in c["name"].lower():
                return c
    return None


def path_of(page):
    return urllib.parse.urlparse(page.url).path


# ---------------------------------------------------------------------------------------------
# The action form


def fill_action(page, kind, person, unzr=None, katottg=KHMELNYTSKYI):
    page.get_by_label("УНЗР").fill(unzr if unzr is not None else person["unzr"])
    page.get_by_label("Прізвище").fill(person["surname"])
    page.get_by_label("Власне ім'я").fill(person["given_name"])
    page.get_by_label("По батькові").fill(person["patronymic"])
    page.get_by_label("Дата народження").fill(person["birth_date"])
    page.locator(f"#sex-{person['sex']}").check()
    page.get_by_label("Вид документа").select_option("id_card")
    page.get_by_label("Серія та номер документа").fill(person["doc_number"])
    page.get_by_label("Населений пункт").select_option(katottg)
    page.get_by_label("Вулиця").fill("вулиця Кам'янецька")
    page.get_by_label("Будинок").fill(person["building"])
    page.get_by_label("Квартира").fill(person["apartment"])
    page.get_by_label("Поштовий індекс").fill("29000")
    if kind.startswith("deregistration_"):
        page.get_by_label("Підстава", exact=True).select_option("application")
        page.get_by_label("Документ-підстава").fill("Заява особи від " + date.today().strftime("%d.%m.%Y"))


def open_form(run, page, kind):
    run.goto(page, "/actions/new")
    page.locator(f'a[href="/actions/new/{kind}"]').click()
    page.wait_for_load_state()
    expect(path_of(page) == f"/actions/new/{kind}", f"the link to {kind} led to {page.url}")
    run.check(page, "form")
    return page.locator('input[name="form_token"]').first.get_attribute("value")


def to_review(run, page, kind, person, shot=None):
    token = open_form(run, page, kind)
    fill_action(page, kind, person)
    page.get_by_role("button", name="Перевірити").click()
    page.wait_for_load_state()
    run.check(page, "review")
    expect(page.get_by_role("button", name="Подати до ДМС").count() == 1,
           f"no review page for {kind}: {page.url}: {_problem(page)}")
    if shot:
        wt.screenshot(page, shot)
    return token


def submit_action(run, page, kind, person, shots=False):
    """Form → review → submit; returns (action id, form token)."""
    token = to_review(run, page, kind, person, shot="review" if shots else None)
    page.get_by_role("button", name="Подати до ДМС").click()
    page.wait_for_load_state()
    run.check(page, "confirmation")
    m = re.match(r"^/actions/([0-9a-f-]{36})$", path_of(page))
    expect(m and "submitted=1" in page.url, f"{kind}: submit led to {page.url}: {_problem(page)}")
    for sel in ("#dms-number", "#received-at", "#receipt-code"):
        expect(page.locator(sel).count() == 1 and page.locator(sel).inner_text().strip(),
               f"{kind}: confirmation has no {sel}")
    if shots:
        wt.screenshot(page, "confirmation")
    return m.group(1), token


def ensure_resident(run):
    """A person whose residence our body registered on the web (made once per run)."""
    if "resident" not in run.made:
        page = run.our_page()
        person = new_person()
        action_id, _ = submit_action(run, page, "registration_of_residence", person)
        person_id = psql("SELECT person_id FROM registration_actions WHERE id = %s", action_id)
        run.made["resident"] = (person, action_id, person_id)
    return run.made["resident"]


def lviv_settlement():
    code = psql("SELECT code FROM katottg WHERE hromada = %s AND code <> hromada "
                "ORDER BY code LIMIT 1", LVIV_HROMADA)
    expect(code, "no settlement of the Lviv hromada in the codifier")
    return code


# ---------------------------------------------------------------------------------------------
# Scenarios


def ensure_setup(run, shots=False):
    """khm.new sets a password and enrols the authenticator through the one-time link."""
    if run.new_official is not None:
        return run.new_official
    ctx = run.context()
    page = ctx.new_page()
    link = SETUP_LINK if SETUP_LINK.startswith("http") else BASE + SETUP_LINK
    res = page.goto(link)
    expect(res and res.status == 200, f"set-up link: status {res and res.status}")
    run.check(page, "setup")
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(re.fullmatch(r"[A-Z2-7]{16,}", secret), f"no base32 key on the set-up page: {secret!r}")
    expect(page.locator('img[src^="data:image/svg+xml"]').count() == 1, "no QR code on the set-up page")
    if shots:
        wt.screenshot(page, "setup")
    login = page.locator("main strong").first.inner_text().strip()
    expect(login == "khm.new", f"the set-up page names login {login!r}")
    password = "Навчання-" + hashlib.sha256(os.urandom(8)).hexdigest()[:12]
    step, code = run.code(login, secret)
    page.get_by_label("Новий пароль").fill(password)
    page.get_by_label("Повторіть пароль").fill(password)
    page.get_by_label("Код із застосунку").fill(code)
    page.get_by_role("button", name="Зберегти").click()
    page.wait_for_load_state()
    run.check(page, "setup done")
    expect(page.locator(".govuk-error-summary").count() == 0, f"set-up refused: {_problem(page)}")
    run.last_step[login] = step
    run.new_official = {"login": login, "password": password, "totp_secret": secret,
                        "link": link}
    return run.new_official


def scenario_setup(run):
    """The one-time link → password + code from the key shown → sign-in works; the link again
    is 404."""
    who = ensure_setup(run, shots=True)
    expect(psql("SELECT totp_enrolled_at IS NOT NULL AND password_hash IS NOT NULL "
                "FROM officials WHERE login = %s", who["login"]) == "t",
           "the official is not enrolled in the database")
    page = run.context().new_page()
    run.sign_in(page, who)
    expect("Новенька" in page.locator("header").inner_text(), "home does not name the official")
    res = page.goto(who["link"])
    expect(res.status == 404, f"the used set-up link answers {res.status}, not 404")
    run.check(page, "used link")
    return "set up, signed in, used link 404"


def scenario_sign_in(run):
    """A wrong code is refused (no session); the right one works; five failures lock. The three
    rules are checked each on its own and reported together."""
    ctx = run.context()
    page = ctx.new_page()
    page.goto(BASE + "/sign-in")
    run.check(page)
    wt.screenshot(page, "sign-in")

    def sessions():
        return int(psql("SELECT count(*) FROM web_sessions s JOIN officials o ON o.id = s.official_id "
                        "WHERE o.login = %s", OFFICIAL["login"]))

    def wrong_code():
        before = sessions()
        _, right = run.code(OFFICIAL["login"], OFFICIAL["totp_secret"])
        wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
        status = run.post_sign_in(page, OFFICIAL["login"], OFFICIAL["password"], wrong)
        message = _problem(page)
        expect(session_cookie(ctx) is None, "a wrong code set a session cookie")
        expect(sessions() == before, "a wrong code stored a session")
        page.goto(BASE + "/")
        expect(path_of(page) == "/sign-in", f"after a wrong code / is {page.url}")
        run.check(page)
        expect(status == 401, f"a wrong code answered {status} (expected 401 and the sign-in form "
                              f"again; no session was made)")
        expect("Неправильний логін, пароль або код" in message, f"wrong code: {message}")

    def right_code():
        run.sign_in(page, OFFICIAL)
        c = session_cookie(ctx)
        expect(c is not None, "no session cookie after sign-in")
        expect(c["name"].startswith("__Host-") and c["secure"] and c["httpOnly"]
               and c["sameSite"] == "Strict", f"session cookie attributes: {c}")

    def lockout():
        # The set-up official fails five times; then even the right proof is refused.
        who = ensure_setup(run)
        p2 = run.context().new_page()
        statuses = []
        for i in range(1, 6):
            p2.goto(BASE + "/sign-in")
            run.check(p2)
            statuses.append(run.post_sign_in(p2, who["login"], who["password"] + "x",
                                             run.code(who["login"], who["totp_secret"])[1]))
            expect(path_of(p2) == "/sign-in", f"failure {i} led to {p2.url}")
        counted = psql("SELECT failed_attempts || '|' || coalesce((locked_until > now())::text, 'not locked') "
                       "FROM officials WHERE login = %s", who["login"])
        expect(counted.endswith("|true"),
               f"five failures (answered {statuses}) did not lock the official: "
               f"failed_attempts|locked = {counted}")
        expect(statuses == [401] * 5, f"the five failures answered {statuses}")
        status = run.sign_in(p2, who, expect_ok=False)
        expect(path_of(p2) == "/sign-in" and status == 401,
               f"a locked official with the right proof: POST {status}, {p2.url}")
        expect("заблоковано" in _problem(p2), f"locked official sees: {_problem(p2)}")
        wt.screenshot(p2, "locked")

    failures = []
    for rule in (wrong_code, right_code, lockout):
        try:
            rule()
        except Timeout:
            raise
        except Exception as e:
            failures.append(f"{rule.__name__}: {str(e).splitlines()[0]}")
    if failures:
        raise Fail("; ".join(failures))
    return "wrong code refused, right code in, locked after 5 failures"


def scenario_actions(run):
    """Each of the six action types through form → review → submit: receipt code shown, the
    receipt downloads as a compact JWS, channel 'web' and the official as transport user."""
    page = run.our_page()
    done = []
    for kind in ACTION_TYPES:
        person = new_person()
        action_id, token = submit_action(run, page, kind, person,
                                         shots=(kind == "registration_of_residence"))
        if kind == "registration_of_residence":
            wt.screenshot(page, "action")
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as dl:
            page.get_by_role("link", name="Завантажити підтвердження").click()
        text = open(dl.value.path(), encoding="utf-8").read().strip()
        parts = text.split(".")
        expect(len(parts) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts),
               f"{kind}: the receipt is not a compact JWS: {text[:80]!r}")
        import base64

        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        expect("alg" in header, f"{kind}: JWS header without alg: {header}")
        row = psql("SELECT channel || '|' || coalesce(transport_user_id, '') || '|' || action_type "
                   "|| '|' || external_id FROM registration_actions WHERE id = %s", action_id)
        expect(row == f"web|{OFFICIAL['login']}|{kind}|{token}",
               f"{kind}: stored as {row!r}, expected web|{OFFICIAL['login']}|{kind}|{token}")
        done.append(kind)
    return f"{len(done)} types submitted, receipts are JWS, channel web, user {OFFICIAL['login']}"


def scenario_wrong_unzr(run):
    """A wrong УНЗР check digit: the message next to the field and in the summary; nothing
    stored."""
    page = run.our_page()
    before = count_actions()
    person = new_person()
    token = open_form(run, page, "registration_of_residence")
    fill_action(page, "registration_of_residence", person, unzr=wrong_check_digit(person["unzr"]))
    page.get_by_role("button", name="Перевірити").click()
    page.wait_for_load_state()
    run.check(page, "form with error")
    wt.screenshot(page, "form-error")
    field_error = page.locator("#unzr-error")
    expect(field_error.count() == 1, "no #unzr-error next to the УНЗР field")
    message = field_error.inner_text().replace("Помилка:", "").strip()
    expect(message, "#unzr-error is empty")
    summary = page.locator('.govuk-error-summary a[href="#unzr"]')
    expect(summary.count() == 1, f"the summary has no link to #unzr: {_problem(page)}")
    expect(summary.inner_text().strip() == message,
           f"summary says {summary.inner_text()!r}, field says {message!r}")
    expect(page.locator("#unzr").get_attribute("aria-describedby") and
           "unzr-error" in page.locator("#unzr").get_attribute("aria-describedby"),
           "the УНЗР input is not described by its error")
    expect(page.get_by_role("button", name="Подати до ДМС").count() == 0, "a review was offered")
    # Submitting the same wrong values straight (step=submit) stores nothing either.
    form = page.locator('form[action="/actions/new/registration_of_residence"]')
    data = form_values(form)
    data["step"] = "submit"
    res = page.request.post(BASE + "/actions/new/registration_of_residence", form=data, max_redirects=0)
    expect(res.status == 422, f"submit with a wrong УНЗР answered {res.status}")
    expect(count_actions() == before, "an action was stored for a wrong УНЗР")
    expect(count_actions("external_id = %s", token) == 0, "the form token was stored")
    return f"message «{message}» by the field and in the summary; nothing stored"


def form_values(form):
    return form.evaluate(
        "f => Object.fromEntries([...new FormData(f)].filter(([k]) => k !== 'step'))")


def scenario_double_submit(run):
    """On the review page: two concurrent POSTs of the form, the click itself and a replay of the
    same POST (form_token and csrf) store one action; each lands on it."""
    page = run.our_page()
    person = new_person()
    token = to_review(run, page, "registration_of_stay", person)
    form = page.locator('form[action="/actions/new/registration_of_stay"]')
    data = form_values(form)
    expect(data.get("form_token") == token and data.get("csrf"), "review form lacks form_token/csrf")
    # Two submissions in flight at once (a double click that got past the button's guard).
    both = page.evaluate(
        """async (data) => {
            const body = () => new URLSearchParams({...data, step: "submit"});
            const send = () => fetch(location.origin + "/actions/new/registration_of_stay",
                {method: "POST", body: body(), credentials: "same-origin"});
            const rs = await Promise.all([send(), send()]);
            return rs.map((r) => [r.status, new URL(r.url).pathname]);
        }""", data)
    expect(all(st == 200 for st, _ in both) and both[0][1] == both[1][1]
           and re.match(r"^/actions/[0-9a-f-]{36}$", both[0][1]),
           f"two concurrent submits landed on {both}")
    concurrent_id = both[0][1].rsplit("/", 1)[1]
    # The button double-clicked, then a replay of the same values.
    page.get_by_role("button", name="Подати до ДМС").dblclick()
    try:
        page.wait_for_url(re.compile(r"/actions/[0-9a-f-]{36}"), timeout=PAGE_TIMEOUT_MS)
    except Exception:
        raise Fail(f"the double-clicked submit stayed on {page.url}: "
                   f"{page.locator('main').inner_text()[:200]!r}")
    run.check(page, "confirmation")
    first = re.match(r"^/actions/([0-9a-f-]{36})$", path_of(page))
    expect(first, f"submit led to {page.url}")
    data["step"] = "submit"
    res = page.request.post(BASE + "/actions/new/registration_of_stay", form=data, max_redirects=0)
    expect(res.status == 303, f"the replayed POST answered {res.status}")
    loc = res.headers.get("location", "")
    expect(first.group(1) == concurrent_id,
           f"the click landed on {first.group(1)}, the concurrent posts on {concurrent_id}")
    expect(loc.split("?")[0] == f"/actions/{first.group(1)}",
           f"the replay went to {loc}, the first to /actions/{first.group(1)}")
    n = count_actions("external_id = %s", token)
    expect(n == 1, f"{n} actions stored for one form token")
    return "two concurrent POSTs, the click and a replay: one action, all land on it"


def scenario_cancel(run):
    """Cancel an action with a reason: the new cancellation's page; the original shows
    «скасовано»."""
    page = run.our_page()
    action_id, _ = submit_action(run, page, "declaration_of_residence", new_person())
    before = count_actions()
    page.get_by_role("link", name="Скасувати дію").click()
    page.wait_for_load_state()
    run.check(page, "cancel form")
    expect(path_of(page) == f"/actions/{action_id}/cancel", f"cancel link led to {page.url}")
    wt.screenshot(page, "cancel")
    page.get_by_label("Причина скасування").fill("Помилково зазначено номер квартири")
    page.get_by_role("button", name="Скасувати дію").click()
    page.wait_for_load_state()
    run.check(page, "cancellation")
    m = re.match(r"^/actions/([0-9a-f-]{36})$", path_of(page))
    expect(m and m.group(1) != action_id, f"cancelling led to {page.url}: {_problem(page)}")
    cancel_id = m.group(1)
    expect(page.locator(f'a[href="/actions/{action_id}"]').count() >= 1,
           "the cancellation's page does not link the cancelled action")
    row = psql("SELECT action_type || '|' || cancels_action_id || '|' || channel || '|' || "
               "coalesce(transport_user_id, '') FROM registration_actions WHERE id = %s", cancel_id)
    expect(row == f"cancellation|{action_id}|web|{OFFICIAL['login']}", f"cancellation stored as {row!r}")
    expect(count_actions() == before + 1, "cancelling stored other than one action")
    run.goto(page, f"/actions/{action_id}")
    expect("скасовано" in page.locator("main").inner_text(), "the original does not show «скасовано»")
    expect(page.get_by_role("link", name="Скасувати дію").count() == 0,
           "the cancelled action still offers cancelling")
    return "cancellation stored and linked; original «скасовано»"


def scenario_verification_request(run):
    """A staff request about our resident, answered on the web «Адресу підтверджено»."""
    person, _, _ = ensure_resident(run)
    status, body = http_json("POST", ADMIN + "/admin/v1/verification-requests", {
        "registration_body_edrpou": OUR_EDRPOU,
        "person": {"unzr": person["unzr"]},
        "question": "confirm_current_address",
        "details": "Прохання підтвердити поточне місце проживання",
    }, OFFICER)
    expect(status == 201, f"creating the request: {status} {body}")
    rid = body["id"]
    page = run.our_page()
    run.goto(page, "/requests")
    link = page.locator(f'a[href="/requests/{rid}"]')
    expect(link.count() >= 1, "the request is not listed on /requests")
    wt.screenshot(page, "requests")
    link.first.click()
    page.wait_for_load_state()
    run.check(page, "request")
    expect(person["unzr"] in page.locator("main").inner_text(), "the request page lacks the УНЗР")
    wt.screenshot(page, "request")
    page.get_by_label("Результат перевірки").select_option(label="Адресу підтверджено")
    page.get_by_role("button", name="Надіслати відповідь").click()
    page.wait_for_load_state()
    run.check(page, "answered")
    expect(page.locator(".govuk-error-summary").count() == 0, f"answer refused: {_problem(page)}")
    text = page.locator("main").inner_text()
    expect("Відповідь надіслано до ДМС" in text, "no confirmation banner after answering")
    expect("Відповідь надано" in text, "the request does not show «Відповідь надано»")
    row = psql("SELECT (answered_at IS NOT NULL) || '|' || coalesce(answer->>'result', '') "
               "FROM verification_requests WHERE id = %s", rid)
    expect(row == "true|confirmed", f"stored answer: {row!r}")
    run.goto(page, "/requests?state=answered")
    expect(page.locator(f'a[href="/requests/{rid}"]').count() >= 1, "not listed among answered")
    return "answered «Адресу підтверджено», stored confirmed"


def scenario_notice(run):
    """Lviv registers our resident (same УНЗР) over the API → the notice on /notices and home."""
    page = run.our_page()
    person = new_person()
    submit_action(run, page, "registration_of_residence", person)
    settlement = lviv_settlement()
    doc = {
        "external_id": "LVIV-WT-" + os.urandom(6).hex(),
        "action": {"type": "registration_of_residence", "date": date.today().isoformat()},
        "person": {
            "unzr": person["unzr"], "surname": person["surname"], "given_name": person["given_name"],
            "patronymic": person["patronymic"], "birth_date": person["birth_date"], "sex": person["sex"],
            "document": {"type": "id_card", "number": person["doc_number"]},
        },
        "address": {"katottg": settlement, "street": "вулиця Городоцька", "building": "12"},
    }
    status, body = http_json("POST", API + "/v1/registration-actions", doc, OTHER_TOKEN)
    expect(status in (200, 201), f"Lviv's submission: {status} {str(body)[:300]}")
    run.goto(page, "/notices")
    items = page.locator(".dms-notices li").filter(has_text=person["surname"])
    expect(items.count() >= 1, f"no notice about {person['surname']} on /notices")
    expect("Мешканця зареєстровано в іншій громаді" in items.first.inner_text(),
           f"the notice reads: {items.first.inner_text()!r}")
    wt.screenshot(page, "notices")
    run.goto(page, "/")
    expect(page.locator(".dms-notices li").filter(has_text=person["surname"]).count() >= 1,
           "the notice is not on home")
    return "notice «Мешканця зареєстровано в іншій громаді» on /notices and home"


def scenario_csrf(run):
    """A POST without the CSRF field (with the session cookie) is refused 403; nothing stored."""
    page = run.our_page()
    token = open_form(run, page, "registration_of_residence")
    fill_action(page, "registration_of_residence", new_person())
    form = page.locator('form[action="/actions/new/registration_of_residence"]')
    data = form_values(form)
    expect(data.get("csrf"), "the form has no csrf field")
    before = count_actions()
    for label, values in (("without csrf", {k: v for k, v in data.items() if k != "csrf"}),
                          ("with a wrong csrf", data | {"csrf": "x" * len(data["csrf"])})):
        for step in ("submit", "review"):
            res = page.request.post(BASE + "/actions/new/registration_of_residence",
                                    form=values | {"step": step}, max_redirects=0)
            expect(res.status == 403, f"a POST {label} (step {step}) answered {res.status}")
    # The other forms too: cancelling and signing out.
    _, action_id, _ = ensure_resident(run)
    res = page.request.post(BASE + f"/actions/{action_id}/cancel",
                            form={"reason": "Перевірка", "form_token": token}, max_redirects=0)
    expect(res.status == 403, f"a cancellation without csrf answered {res.status}")
    res = page.request.post(BASE + "/sign-out", form={}, max_redirects=0)
    expect(res.status == 403, f"a sign-out without csrf answered {res.status}")
    expect(count_actions() == before, "a POST without csrf stored an action")
    expect(count_actions("external_id = %s", token) == 0, "the form token was stored")
    run.goto(page, "/")  # still signed in
    return "403 without or with a wrong csrf (action, cancel, sign-out); nothing stored"


def scenario_expired_session(run):
    """A session idle for two hours: the next page load lands on /sign-in with the notice."""
    ctx = run.context()
    page = ctx.new_page()
    run.sign_in(page, OFFICIAL)
    run.goto(page, "/actions")
    cookie = session_cookie(ctx)
    expect(cookie, "no session cookie")
    lookup = hashlib.sha256(cookie["value"].encode()).hexdigest()
    n = psql("WITH u AS (UPDATE web_sessions SET last_seen_at = now() - interval '2 hours' "
             "WHERE lookup = %s AND ended_at IS NULL RETURNING 1) SELECT count(*) FROM u", lookup)
    expect(n == "1", f"the session row was not found ({n})")
    page.goto(BASE + "/actions")
    run.check(page, "expired")
    expect(path_of(page) == "/sign-in", f"an idle session opened {page.url}")
    expect("expired" in page.url, f"no expiry flag in {page.url}")
    expect("Сеанс завершено" in page.locator("main").inner_text(), "no expiry notice on sign-in")
    ended = psql("SELECT coalesce(end_reason, '') FROM web_sessions WHERE lookup = %s", lookup)
    expect(ended == "idle", f"the session ended as {ended!r}")
    page.goto(BASE + "/")
    run.check(page)
    expect(path_of(page) == "/sign-in", "the ended session came back")
    return "idle session → /sign-in?expired with notice; ended 'idle'"


def scenario_isolation(run):
    """The Lviv official gets 404 for our action, resident and extract; our residents are not in
    their list."""
    person, action_id, person_id = ensure_resident(run)
    ours = run.our_page()
    run.goto(ours, f"/residents?surname={urllib.parse.quote(person['surname'][:4])}")
    expect(person["surname"] in ours.locator("main").inner_text(), "our resident is not in our list")
    page = run.context().new_page()
    run.sign_in(page, OTHER_OFFICIAL)
    for path in (f"/actions/{action_id}", f"/actions/{action_id}/receipt",
                 f"/actions/{action_id}/cancel", f"/residents/{person_id}",
                 f"/residents/{person_id}/extract"):
        res = page.goto(BASE + path)
        expect(res.status == 404, f"Lviv opening {path}: {res.status}")
        run.check(page, "404")
        expect(person["surname"] not in page.content(), f"{path} shows our resident to Lviv")
    run.goto(page, "/residents")
    expect(person["surname"] not in page.locator("main").inner_text(), "our resident in Lviv's list")
    run.goto(page, f"/residents?surname={urllib.parse.quote(person['surname'])}")
    expect(person["surname"] not in page.locator("main").inner_text(), "our resident found by Lviv")
    run.goto(page, "/actions")
    expect(person["surname"] not in page.locator("main").inner_text(), "our action in Lviv's list")
    return "404 for action, receipt, cancel, resident, extract; lists clean"


def scenario_screenshots(run):
    """The main pages (for docs/web-guide): each opened, checked by axe, shot when asked."""
    person, action_id, person_id = ensure_resident(run)
    anon = run.context().new_page()
    run.goto(anon, "/sign-in")
    wt.screenshot(anon, "sign-in")
    page = run.our_page()
    run.goto(page, "/")
    wt.screenshot(page, "home")
    run.goto(page, "/actions/new")
    wt.screenshot(page, "new")
    run.goto(page, "/actions")
    wt.screenshot(page, "actions")
    run.goto(page, f"/actions?q={urllib.parse.quote(person['unzr'])}")
    run.goto(page, f"/actions/{action_id}")
    wt.screenshot(page, "action")
    run.goto(page, "/residents")
    wt.screenshot(page, "residents")
    run.goto(page, f"/residents/{person_id}")
    expect(person["surname"] in page.locator("main").inner_text(), "the resident page lacks the name")
    wt.screenshot(page, "resident")
    run.goto(page, f"/residents/{person_id}/extract")
    expect(person["unzr"] in page.locator("main").inner_text() or person["surname"] in
           page.locator("main").inner_text(), "the extract lacks the person")
    wt.screenshot(page, "extract")
    run.goto(page, "/requests?state=all")
    wt.screenshot(page, "requests")
    run.goto(page, "/notices")
    wt.screenshot(page, "notices")
    return "main pages open and pass axe"


def scenario_sign_out(run):
    """«Вийти» ends the session: the next page is the sign-in page."""
    ctx = run.context()
    page = ctx.new_page()
    run.sign_in(page, OFFICIAL)
    lookup = hashlib.sha256(session_cookie(ctx)["value"].encode()).hexdigest()
    page.get_by_role("button", name="Вийти").click()
    page.wait_for_load_state()
    run.check(page, "signed out")
    expect(path_of(page) == "/sign-in", f"sign-out led to {page.url}")
    expect(psql("SELECT coalesce(end_reason, '') FROM web_sessions WHERE lookup = %s", lookup) == "sign_out",
           "the session was not ended as sign_out")
    page.goto(BASE + "/")
    run.check(page)
    expect(path_of(page) == "/sign-in", "after sign-out / opened")
    return "signed out, session ended"


SCENARIOS = [
    ("setup", scenario_setup),
    ("sign_in", scenario_sign_in),
    ("actions", scenario_actions),
    ("wrong_unzr", scenario_wrong_unzr),
    ("double_submit", scenario_double_submit),
    ("cancel", scenario_cancel),
    ("verification_request", scenario_verification_request),
    ("notice", scenario_notice),
    ("csrf", scenario_csrf),
    ("isolation", scenario_isolation),
    ("screenshots", scenario_screenshots),
    ("sign_out", scenario_sign_out),
    ("expired_session", scenario_expired_session),
]


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout(f"scenario over {SCENARIO_SECONDS} s")


def main(argv):
    names = [n for n, _ in SCENARIOS]
    chosen = argv or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = []
    signal.signal(signal.SIGALRM, _alarm)
    # Whatever hangs (the browser itself), the run ends.
    watchdog = threading.Timer(RUN_SECONDS + 120, lambda: (print("FAIL: the run hung; stopped",
                                                                 flush=True), os._exit(3)))
    watchdog.daemon = True
    watchdog.start()
    with sync_playwright() as p:
        browser = wt.launch(p, timeout=30_000)
        run = Run(browser)
        try:
            for name, fn in SCENARIOS:
                if name not in chosen:
                    continue
                if time.monotonic() - started > RUN_SECONDS:
                    results.append((name, False, "not run: the run's time is up", 0.0))
                    print(f"FAIL {name}: not run, the run's time is up", flush=True)
                    continue
                t0 = time.monotonic()
                signal.alarm(SCENARIO_SECONDS)
                try:
                    why = fn(run)
                    ok = True
                except (Fail, Timeout) as e:
                    ok, why = False, str(e)
                except Exception as e:  # a Playwright timeout, a missing element …
                    ok, why = False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                    if os.environ.get("WEBTEST_TRACE"):
                        traceback.print_exc()
                finally:
                    signal.alarm(0)
                if not ok:
                    run.fresh_page()
                dt = time.monotonic() - t0
                results.append((name, ok, why, dt))
                print(f"{'PASS' if ok else 'FAIL'} {name} ({dt:.1f} s): {why}", flush=True)
        finally:
            run.close()
            browser.close()
    failed = [n for n, ok, _, _ in results if not ok]
    total = time.monotonic() - started
    print(f"{len(results) - len(failed)}/{len(results)} scenarios passed, {run.visited} pages "
          f"checked by axe, {total:.1f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
