"""Browser tests of the staff console (issue 13): each role's main paths in Debian's Chromium,
axe-core on every page, screenshots for docs/console-guide.uk.md.

Run by ops/webtest after the officials' scenarios, against the same service (the console on its
own TLS listener). Environment, besides ops/webtest's WEBTEST_*:

    CONSOLETEST_BASE      https://<console listener>
    CONSOLETEST_STAFF     JSON file {"officer"|"supervisor"|"auditor": {"login","password","totp_secret"}}
    CONSOLETEST_EDDR      the ЄДДР double's URL (POST /control/down|up switches it)
    CONSOLETEST_FEEDER    a command that runs the feeder once (build and deliver what is due)

    ops/webtest console               only the console's scenarios
    WEBTEST_SCREENSHOTS=1 ops/webtest    also refreshes docs/console-guide/*.png
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest as w  # noqa: E402
import webtest_support as wt  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

BASE = os.environ["CONSOLETEST_BASE"]
STAFF = json.load(open(os.environ["CONSOLETEST_STAFF"], encoding="utf-8"))
EDDR = os.environ["CONSOLETEST_EDDR"]
FEEDER = os.environ["CONSOLETEST_FEEDER"]
SHOTS = "console-guide"
LVIV_EDRPOU = "04055896"
LVIV_HROMADA = w.LVIV_HROMADA
Fail, expect, psql = w.Fail, w.expect, w.psql


def kyiv_today():
    """Today in Kyiv: the service dates actions, bans and deadlines by it, whatever the
    machine's time zone."""
    return datetime.now(ZoneInfo("Europe/Kyiv")).date()


def shot(page, name):
    wt.screenshot(page, name, directory=SHOTS)


class Console(w.Run):
    """The officials' browser-test runner at the console's door: signed-in pages per role, each
    checked by axe on every navigation."""

    def __init__(self, browser):
        super().__init__(browser, base=BASE)
        self.pages = {}

    def role(self, role):
        if role not in self.pages:
            page = self.context().new_page()
            self.sign_in(page, STAFF[role])
            self.pages[role] = page
        return self.pages[role]


def submit_lviv(doc):
    return w.http_json("POST", w.API + "/v1/registration-actions", doc, w.OTHER_TOKEN)


def banned_village():
    """A village of the Lviv hromada nobody else's scenario uses (the last one in the codifier)."""
    code = psql("SELECT code FROM katottg WHERE hromada = %s AND category = 'C' "
                "ORDER BY code DESC LIMIT 1", LVIV_HROMADA)
    expect(code, "no village of the Lviv hromada in the codifier")
    return code


def lviv_action(person, katottg=None, with_unzr=True):
    """A declaration of residence in Lviv for `person` (from webtest.new_person), today."""
    p = {
        "surname": person["surname"],
        "given_name": person["given_name"],
        "patronymic": person["patronymic"],
        "birth_date": person["birth_date"],
        "sex": person["sex"],
        "document": {"type": "id_card", "number": person["doc_number"], "issued_on": "2020-01-15",
                     "issuer": "4601"},
    }
    if with_unzr:
        p["unzr"] = person["unzr"]
    return {
        "external_id": "console-" + os.urandom(6).hex(),
        "action": {"type": "declaration_of_residence", "date": kyiv_today().isoformat()},
        "person": p,
        "address": {"katottg": katottg or w.lviv_settlement(), "street": "вулиця Городоцька", "building": person["building"],
                    "apartment": person["apartment"], "postal_code": "79000"},
    }


def scenario_sign_in(c):
    """Each role signs in with its password and TOTP code and sees its own navigation."""
    want = {
        "officer": ["Запити на перевірку", "Пошук осіб і дій"],
        "supervisor": ["Органи реєстрації", "Календар", "Заборони", "Набори даних", "Внесення до ЄДДР"],
        "auditor": ["Журнал аудиту", "Перевірка ланцюга", "Звіти"],
    }
    page = c.browser.new_context(ignore_https_errors=True, locale="uk-UA").new_page()
    c.goto(page, "/sign-in")
    shot(page, "sign-in")
    page.context.close()
    for role, items in want.items():
        p = c.role(role)
        nav = p.locator("nav").inner_text()
        for item in items:
            expect(item in nav, f"{role}'s navigation lacks «{item}»: {nav!r}")
        shot(p, f"home-{role}")
    return "three roles signed in, each with its navigation"


def scenario_refusals(c):
    """Each role is refused what its role may not do (the API's matrix), with a 403 page."""
    refused = {
        "officer": ["/bodies/" + LVIV_EDRPOU, "/datasets", "/audit", "/audit/verify", "/reports",
                    "/register-entries"],
        "supervisor": ["/audit", "/audit/verify", "/requests/new"],
        "auditor": ["/requests", "/search", "/bans", "/register-entries", "/requests/new"],
    }
    for role, paths in refused.items():
        p = c.role(role)
        for path in paths:
            c.goto(p, path, status=403)
            expect("Недостатньо прав" in p.locator("main").inner_text(), f"{role} {path}: no refusal page")
    shot(c.role("auditor"), "refused")
    return f"{sum(len(v) for v in refused.values())} refusals, each a 403 page"


def working_days_from_calendar(c, page, months):
    """{date: working?} as the console's month view shows them."""
    days = {}
    for m in months:
        c.goto(page, "/calendar?month=" + m)
        listed = page.locator("table").filter(has=page.locator("caption", has_text="Дні місяця"))
        for row in listed.locator("tbody tr").all():
            cells = [t.strip() for t in row.locator("td").all_inner_texts()]
            d = date(int(cells[0][6:10]), int(cells[0][3:5]), int(cells[0][0:2]))
            days[d] = cells[2] == "Робочий"
    return days


def official_requests_page(c, who, rid):
    """The Lviv official's own web: /requests lists the request."""
    ctx = c.browser.new_context(ignore_https_errors=True, locale="uk-UA")
    page = ctx.new_page()
    try:
        page.goto(w.BASE + "/sign-in")
        cur = int(time.time() // 30)
        page.get_by_label("Логін").fill(who["login"])
        page.get_by_label("Пароль", exact=True).fill(who["password"])
        page.get_by_label("Код із застосунку автентифікації").fill(w._totp_at(who["totp_secret"], cur + 1))
        page.get_by_role("button", name="Увійти").click()
        page.wait_for_load_state()
        page.goto(w.BASE + "/requests")
        c.check(page, "official's requests")
        return page.locator(f'a[href="/requests/{rid}"]').count() >= 1
    finally:
        ctx.close()


def scenario_officer_request(c):
    """An officer finds a person, sends a request to the body of their address; it appears in
    the community's API and web lists, and the deadline shown is the calendar's third working
    day after receipt."""
    person = w.new_person()
    status, body = submit_lviv(lviv_action(person))
    expect(status == 201, f"the Lviv action: {status} {body}")
    p = c.role("officer")
    c.goto(p, "/requests/new")
    p.get_by_label("УНЗР").fill(person["unzr"])
    p.get_by_role("button", name="Знайти").click()
    p.wait_for_load_state()
    c.check(p, "search results")
    link = p.locator(f'a[href="/requests/new?action={body["action_id"]}"]')
    expect(link.count() == 1, f"the person's action is not offered: {p.locator('main').inner_text()[:400]}")
    shot(p, "officer-find-person")
    link.click()
    p.wait_for_load_state()
    c.check(p, "request form")
    expect(LVIV_EDRPOU in p.locator("main").inner_text(), "the form does not name the Lviv body")
    p.locator("#question-confirm_current_address").check()
    p.get_by_label("Пояснення").fill("Прохання підтвердити місце проживання")
    shot(p, "officer-request-form")
    p.get_by_role("button", name="Надіслати запит").click()
    p.wait_for_load_state()
    c.check(p, "request page")
    m = re.match(r"^/requests/([0-9a-f-]{36})$", w.path_of(p))
    expect(m, f"sending led to {p.url}: {w._problem(p)}")
    rid = m.group(1)
    # The community lists it over the API (its receipt; the deadline starts today) …
    req = urllib.request.Request(w.API + "/v1/verification-requests",
                                 headers={"Authorization": "Bearer " + w.OTHER_TOKEN})
    with urllib.request.urlopen(req, timeout=20) as res:
        listed = json.loads(res.read())
    mine = [r for r in listed if r["id"] == rid]
    expect(len(mine) == 1, f"the request is not in Lviv's API list: {listed}")
    due = date.fromisoformat(mine[0]["due_date"])
    # … and on its web.
    expect(official_requests_page(c, w.OTHER_OFFICIAL, rid), "the request is not on the Lviv official's web list")
    # The console shows the same deadline, and it is the calendar's third working day.
    c.goto(p, f"/requests/{rid}")
    text = p.locator("main").inner_text()
    expect(due.strftime("%d.%m.%Y") in text, f"the console does not show the due date {due}: {text[:500]}")
    shot(p, "officer-request")
    today = kyiv_today()
    months = sorted({today.strftime("%Y-%m"), (today + timedelta(days=20)).strftime("%Y-%m")})
    days = working_days_from_calendar(c, p, months)
    counted, d = 0, today
    while counted < 3:
        d += timedelta(days=1)
        counted += 1 if days.get(d, False) else 0
    expect(d == due, f"the calendar's third working day after {today} is {d}, the request is due {due}")
    c.goto(p, "/requests")
    expect(p.locator(f'a[href="/requests/{rid}"]').count() == 1, "the request is not in the officer's list")
    shot(p, "officer-requests")
    c.role("officer").goto(BASE + "/calendar")
    c.check(c.role("officer"), "calendar")
    shot(c.role("officer"), "calendar")
    c.made_person = person
    c.made_action = body["action_id"]
    return f"request {rid} due {due}: in Lviv's API and web lists, the calendar's 3rd working day"


def scenario_ban(c):
    """A supervisor's ban refuses the next submission in that territory."""
    p = c.role("supervisor")
    c.goto(p, "/bans")
    village = banned_village()
    p.get_by_label("Територія (код КАТОТТГ будь-якого рівня)").fill(village)
    p.get_by_label("З дати").fill((kyiv_today() - timedelta(days=1)).isoformat())
    p.get_by_label("Підстава").fill("Рішення ради оборони Львівської області (тест)")
    p.get_by_role("button", name="Встановити заборону").click()
    p.wait_for_load_state()
    c.check(p, "ban set")
    expect("Заборону встановлено" in p.locator("main").inner_text(), f"no banner: {w._problem(p)}")
    shot(p, "bans")
    status, body = submit_lviv(lviv_action(w.new_person(), katottg=village))
    expect(status == 422 and "territory_restricted" in str(body),
           f"a submission under the ban answered {status} {body}")
    status, body = submit_lviv(lviv_action(w.new_person()))
    expect(status == 201, f"a submission outside the banned village answered {status} {body}")
    return f"the next submission in {village}: 422 territory_restricted; elsewhere 201"


def scenario_auditor(c):
    """The auditor sees the row of a search just made on the console; the chain verifies; the
    reports show a table, a chart and a CSV download."""
    o = c.role("officer")
    person = getattr(c, "made_person", None) or w.new_person()
    c.goto(o, "/search?unzr=" + urllib.parse.quote(person["unzr"]))
    a = c.role("auditor")
    c.goto(a, "/audit?event=registration_action.search")
    rows = a.locator("table tbody tr")
    expect(rows.count() >= 1, "the audit log shows no search")
    first = rows.first.inner_text()
    expect("registration_action.search" in first and "console" in first,
           f"the newest search row is not the console's: {first!r}")
    shot(a, "audit-log")
    c.goto(a, "/audit/verify")
    expect("Ланцюг цілий" in a.locator("main").inner_text(), "the chain does not verify")
    shot(a, "audit-verify")
    c.goto(a, "/reports?kind=volumes")
    expect(a.locator("figure img[alt]").count() == 1, "the volumes report has no chart")
    expect(a.locator("table tbody tr").count() >= 1, "the volumes report has no rows")
    shot(a, "reports")
    href = a.locator('a:has-text("Завантажити CSV")').get_attribute("href")
    with a.expect_download() as dl:
        a.locator('a:has-text("Завантажити CSV")').click()
    text = open(dl.value.path(), encoding="utf-8").read()
    expect(text.startswith("registration_body_edrpou,day,action_type,count"), f"CSV {href}: {text[:100]!r}")
    return "search row seen, chain intact, report with chart and CSV"


def eddr(switch):
    req = urllib.request.Request(EDDR + "/control/" + switch, method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as res:
        expect(res.status == 204, f"the ЄДДР double's switch {switch}: {res.status}")


def run_feeder():
    out = subprocess.run(FEEDER.split(), capture_output=True, text=True, timeout=120)
    expect(out.returncode == 0, f"the feeder: {out.returncode} {out.stderr[-500:]}")


def feed_state(action_id):
    return psql("SELECT state || '|' || coalesce(dataset_seq::text, '') FROM feed_places "
                "WHERE action_id = %s", action_id)


def scenario_dataset(c):
    """A data set that failed against the ЄДДР double is re-delivered from the console and
    accepted."""
    person = w.new_person()
    status, body = submit_lviv(lviv_action(person))
    expect(status == 201, f"the Lviv action: {status} {body}")
    # The person enters ЄДДР (as the document-issuance side says over the staff API): the action
    # is no longer held, it goes into the next data set.
    status, entry = w.http_json("POST", w.ADMIN + "/admin/v1/register-entries",
                                {"unzr": person["unzr"]}, w.SUPERVISOR)
    expect(status == 200 and entry.get("released") == 1, f"the register entry: {status} {entry}")
    eddr("down")
    try:
        run_feeder()
    finally:
        eddr("up")
    state = feed_state(body["action_id"])
    expect(state.startswith("in_dataset|"), f"the action after a failed delivery: {state!r}")
    seq = state.split("|")[1]
    expect(psql("SELECT state FROM datasets WHERE seq = %s", seq) == "failed",
           f"data set {seq} is not failed")
    p = c.role("supervisor")
    c.goto(p, "/datasets?state=failed")
    p.locator(f'a[href="/datasets/{seq}"]').click()
    p.wait_for_load_state()
    c.check(p, "failed data set")
    tag = p.locator(".govuk-summary-list .govuk-tag").first.inner_text().strip()
    expect(tag == "Не передано", f"the failed data set's page says «{tag}»")
    shot(p, "dataset-failed")
    p.get_by_role("button", name="Передати повторно").click()
    p.wait_for_load_state()
    c.check(p, "re-delivered")
    expect("повторно" in p.locator("main").inner_text(), f"no banner after re-delivery: {w._problem(p)}")
    run_feeder()
    c.goto(p, f"/datasets/{seq}")
    tag = p.locator(".govuk-summary-list .govuk-tag").first.inner_text().strip()
    expect(tag == "Прийнято ЄДДР", f"data set {seq} after re-delivery is «{tag}»")
    expect(feed_state(body["action_id"]).startswith("accepted|"), "the action is not accepted by ЄДДР")
    shot(p, "dataset")
    c.goto(p, "/datasets")
    shot(p, "datasets")
    return f"data set {seq}: failed, re-delivered from the console, accepted by the ЄДДР double"


def scenario_register_entry(c):
    """A register entry made on the console releases a held action into the next data set."""
    person = w.new_person()
    status, body = submit_lviv(lviv_action(person, with_unzr=False))
    expect(status == 201, f"the Lviv action without УНЗР: {status} {body}")
    run_feeder()
    expect(feed_state(body["action_id"]).startswith("held|"),
           f"an action of a person not in ЄДДР is not held: {feed_state(body['action_id'])!r}")
    p = c.role("supervisor")
    c.goto(p, "/register-entries")
    p.get_by_label("УНЗР, присвоєний особі").fill(person["unzr"])
    p.get_by_label("Вид документа, на який присвоєно УНЗР").select_option("id_card")
    p.get_by_label("Серія та номер документа").fill(person["doc_number"])
    shot(p, "register-entry")
    p.get_by_role("button", name="Записати внесення").click()
    p.wait_for_load_state()
    c.check(p, "entry recorded")
    text = p.locator("main").inner_text()
    expect("затриманих дій: 1" in text, f"the banner does not tell one released action: {text[:300]}")
    run_feeder()
    state = feed_state(body["action_id"])
    expect(state.startswith("accepted|"), f"the released action after the next data set: {state!r}")
    return f"held action released into data set {state.split('|')[1]} and accepted"


def scenario_end_ban(c):
    """Ending the ban from yesterday lets an action dated today through in that village."""
    p = c.role("supervisor")
    c.goto(p, "/bans")
    village = banned_village()
    link = p.locator("table tbody tr").filter(has_text=village).locator('a:has-text("Завершити достроково")')
    expect(link.count() >= 1, "no ban of the village to end")
    link.first.click()
    p.wait_for_load_state()
    c.check(p, "end form")
    p.get_by_label("Підстава завершення").fill("Рішення ради оборони про скасування (тест)")
    shot(p, "ban-end")
    p.get_by_role("button", name="Завершити заборону").click()
    p.wait_for_load_state()
    c.check(p, "ended")
    expect("Заборону завершено" in p.locator("main").inner_text(), f"no banner: {w._problem(p)}")
    status, body = submit_lviv(lviv_action(w.new_person(), katottg=village))
    expect(status == 201, f"after the end, a submission in {village} answered {status} {body}")
    return f"ban of {village} ended as of yesterday; today's action accepted"


SCENARIOS = [
    ("sign_in", scenario_sign_in),
    ("officer_request", scenario_officer_request),
    ("ban", scenario_ban),
    ("end_ban", scenario_end_ban),
    ("dataset", scenario_dataset),
    ("register_entry", scenario_register_entry),
    ("auditor", scenario_auditor),
    ("refusals", scenario_refusals),
]


def main(argv):
    names = [n for n, _ in SCENARIOS]
    chosen = argv or names
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown console scenario(s): {', '.join(unknown)}; known: {', '.join(names)}",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    results = []
    signal.signal(signal.SIGALRM, w._alarm)
    with sync_playwright() as p:
        browser = wt.launch(p, timeout=30_000)
        c = Console(browser)
        try:
            for name, fn in SCENARIOS:
                if name not in chosen:
                    continue
                t0 = time.monotonic()
                signal.alarm(w.SCENARIO_SECONDS)
                try:
                    why, ok = fn(c), True
                except (Fail, w.Timeout) as e:
                    ok, why = False, str(e)
                except Exception as e:  # a Playwright timeout, a missing element …
                    ok, why = False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                finally:
                    signal.alarm(0)
                dt = time.monotonic() - t0
                results.append((name, ok, why, dt))
                print(f"{'PASS' if ok else 'FAIL'} console {name} ({dt:.1f} s): {why}", flush=True)
        finally:
            c.close()
            browser.close()
    failed = [n for n, ok, _, _ in results if not ok]
    print(f"console: {len(results) - len(failed)}/{len(results)} scenarios passed, {c.visited} pages "
          f"checked by axe, {time.monotonic() - started:.1f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
