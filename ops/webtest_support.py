"""Helpers of the web interface's browser tests: Debian's Chromium driven by Playwright.

Used from the venv of ops/lib.sh `ensure_webtest_venv` (.local/venv-webtest), after
`ensure_chromium` and `ops/web-assets` (which installs axe-core under web/assets/node_modules).
Playwright never downloads a browser here: it is pointed at /usr/bin/chromium.

    import sys; sys.path.insert(0, "ops")
    from playwright.sync_api import sync_playwright
    import webtest_support as wt
    with sync_playwright() as p:
        browser = wt.launch(p)
        page = browser.new_page(locale="uk-UA")
        page.goto(url)
        assert wt.axe_check(page) == []
        wt.screenshot(page, "login")
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("DMS_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "web" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "docs" / "web-guide"

# Debian's Chromium 156 runs headless as root here with Playwright's own switches, which already
# include --no-sandbox (chromium_sandbox=False, the default) and --disable-dev-shm-usage; the
# sandbox cannot start as root, so it stays off explicitly. No further flag is needed.
CHROMIUM_ARGS: list[str] = []

# WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def launch(playwright, **kwargs):
    """Debian's Chromium, headless, with the flags it needs here."""
    options = {
        "executable_path": CHROMIUM,
        "headless": True,
        "chromium_sandbox": False,
        "args": list(CHROMIUM_ARGS),
    }
    options.update(kwargs)
    return playwright.chromium.launch(**options)


def axe_check(page, impacts=("serious", "critical")):
    """axe-core's WCAG 2.1 A/AA violations of the page of the given impacts, as plain dicts:
    id, impact, help, targets (the CSS selectors of the offending nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline script)
        # does not govern; add_script_tag would insert an inline <script> the CSP refuses.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in violations if v["impact"] in impacts]


def totp_now(secret):
    """The current TOTP code (RFC 6238, 30 s, 6 digits) of a base32 secret."""
    import pyotp

    return pyotp.TOTP(secret).now()


def screenshot(page, name, directory=None):
    """A full-page PNG in docs/web-guide/<name>.png (or docs/<directory>/<name>.png), only when
    WEBTEST_SCREENSHOTS=1. Returns the path written, or None."""
    if os.environ.get("WEBTEST_SCREENSHOTS") != "1":
        return None
    folder = ROOT / "docs" / directory if directory else SCREENSHOT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
