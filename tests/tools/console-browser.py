#!/usr/bin/python3
"""console-browser.py: drive the outpost console in a real headless
Chromium (Debian's chromium and chromium-driver, through python3-selenium)
for the tests in tests/platform/console-*.sh.

    console-browser.py SCENARIO --url URL --ca CA.pem --workdir DIR
        --artifacts DIR --user NAME --password PW [scenario options]

Scenarios: "admin" (sign in, the agent on the Agents page and its summary,
a field error, pausing data collection through the profile form until the
agent's status says paused, the audit trail, a new profile applied to
every agent of a key, uninstall), "reader" (every page without a control
that changes state, no request but GETs, no error page), "scale" (the
Agents page with a large fleet: the first page and a filtered page timed
with performance.now()).

The platform's CA is trusted through an NSS database in a private HOME
(certutil, libnss3-tools), as a user would trust it; without certutil the
browser is told to ignore certificate errors and says so. Every scenario
fails on a CSP violation, a script error or a failed request the console
did not expect (the browser's console log), and on a control without a
label or a page wider than a phone (390 px). On failure a screenshot, the
page and the browser log are kept in --artifacts. Exits 0, 1 (failed) or
77 (no chromium, chromedriver or selenium here).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

SKIP = 77


def skip(message):
    print("SKIP: " + message, file=sys.stderr)
    sys.exit(SKIP)


try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:
    skip("python3-selenium is not installed (apt-get install python3-selenium)")

CHROMIUMS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium",
             "/usr/bin/chromium-browser"]
DRIVERS = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
# The one failed request the console makes on purpose: "who am I?" before
# anyone signed in (docs/protocol.md 4.9: 401 without a credential).
EXPECTED_401 = "/api/v1/session - Failed to load resource: the server " \
    "responded with a status of 401"


class Failure(Exception):
    """A check of the scenario failed."""


def note(message):
    print("# " + message, file=sys.stderr, flush=True)


def first_existing(paths):
    for p in paths:
        if os.access(p, os.X_OK):
            return p
    return None


class Console:
    """Chromium on the console of one platform."""

    def __init__(self, args):
        self.url = args.url.rstrip("/")
        self.artifacts = args.artifacts
        self.seen_log = []
        self.requests = {}
        self.allowed = []
        chromium = first_existing(CHROMIUMS)
        driver = first_existing(DRIVERS)
        if chromium is None:
            skip("chromium is not installed (apt-get install chromium)")
        if driver is None:
            skip("chromedriver is not installed (apt-get install chromium-driver)")
        home = os.path.join(args.workdir, "home")
        nssdb = os.path.join(home, ".pki", "nssdb")
        os.makedirs(nssdb, exist_ok=True)
        os.environ["HOME"] = home
        insecure = not self.trust_ca(nssdb, args.ca)
        o = Options()
        o.binary_location = chromium
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-extensions",
                  "--window-size=1280,1000",
                  "--user-data-dir=" + os.path.join(args.workdir, "profile")]:
            o.add_argument(a)
        if insecure:
            o.add_argument("--ignore-certificate-errors")
        o.set_capability("goog:loggingPrefs",
                         {"browser": "ALL", "performance": "ALL"})
        try:
            self.d = webdriver.Chrome(service=Service(driver), options=o)
        except WebDriverException as e:
            raise Failure("cannot start chromium: %s" % e.msg)
        self.d.set_page_load_timeout(60)
        self.d.set_script_timeout(30)

    def trust_ca(self, nssdb, ca):
        """Import the platform's CA into the NSS database Chromium reads."""
        certutil = shutil.which("certutil")
        if certutil is None:
            note("certutil (libnss3-tools) missing: the browser ignores "
                 "certificate errors instead of trusting the platform's CA")
            return False
        db = "sql:" + nssdb
        subprocess.run([certutil, "-d", db, "-N", "--empty-password"],
                       check=True, capture_output=True)
        subprocess.run([certutil, "-d", db, "-A", "-t", "C,,", "-n",
                        "outpost test CA", "-i", ca],
                       check=True, capture_output=True)
        return True

    def quit(self):
        try:
            self.d.quit()
        except WebDriverException:
            pass

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    # --- pages -----------------------------------------------------

    def state(self):
        return self.js("const m = document.getElementById('main');"
                       "return m ? [m.dataset.state || '', "
                       "m.dataset.renderedAt || ''] : ['', ''];")

    def wait(self, what, check, timeout=20):
        """Poll check() until it returns something true; fail after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            v = check()
            if v:
                return v
            if time.monotonic() > deadline:
                raise Failure("timed out waiting for " + what)
            time.sleep(0.05)

    def wait_shown(self, before, timeout=20):
        """Wait for a page shown after the mark before; returns its time."""
        def shown():
            st, at = self.state()
            return st == "ready" and at != "" and at != before and at
        return float(self.wait("the page to be shown", shown, timeout))

    def open(self, hash_=""):
        """Load the console afresh at hash_ (a new document, its clock from
        zero); returns the time it was shown, after navigation start."""
        self.d.get("about:blank")
        self.d.get(self.url + "/" + hash_)
        at = self.wait_shown("")
        self.check_page()
        return at

    def go(self, hash_):
        """Go to hash_ inside the console; returns the time it was shown."""
        before = self.state()[1]
        self.js("if (location.hash === arguments[0])"
                " window.dispatchEvent(new HashChangeEvent('hashchange'));"
                " else location.hash = arguments[0];", hash_)
        at = self.wait_shown(before)
        self.check_page()
        return at

    def after(self, action, timeout=20):
        """Run action() (a click that shows a page) and wait for the page."""
        before = self.state()[1]
        action()
        at = self.wait_shown(before, timeout)
        self.check_page()
        return at

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def link(self, text):
        return self.d.find_element(By.LINK_TEXT, text)

    def button(self, text):
        return self.d.find_element(By.XPATH,
                                   "//button[normalize-space(.)=%s]" %
                                   xpath_string(text))

    def control(self, label):
        """The control of the label whose text is label."""
        el = self.d.find_element(By.XPATH, "//label[normalize-space(.)=%s]" %
                                 xpath_string(label))
        return self.d.find_element(By.ID, el.get_attribute("for"))

    def h1(self):
        return self.find("main h1").text

    def notice(self):
        """The text of the notice at the top of the page."""
        return self.wait("a notice", lambda: next(
            (n.text.rsplit("Dismiss", 1)[0].strip()
             for n in self.finds("#notices .notice")), None))

    def sign_in(self, user, password):
        """Sign in through the form, typing and pressing Enter."""
        self.d.get(self.url + "/")
        self.wait("the sign-in form",
                  lambda: self.finds("input[autocomplete=username]"))
        self.check_labels()
        name = self.find("input[autocomplete=username]")
        self.wait("the focus on the user name", lambda: self.js(
            "return document.activeElement === arguments[0];", name))
        before = self.state()[1]
        name.send_keys(user)
        self.find("input[type=password]").send_keys(password, Keys.ENTER)
        self.wait_shown(before)
        who = self.find("#who-name").text
        role = self.find("#who-role").text
        if who != user:
            raise Failure("signed in as %r, the header shows %r" % (user, who))
        note("signed in as %s (%s)" % (who, role))
        self.check_page()
        return role

    def sign_out(self):
        self.find("#signout").click()
        self.wait("the sign-in form after signing out",
                  lambda: self.finds("input[autocomplete=username]"))

    # --- checks ----------------------------------------------------

    def check_page(self):
        """Every page: labelled controls, no error box, the browser log."""
        problems = [p.text for p in self.finds(
            "main .problem, #notices .notice.error")]
        if problems:
            raise Failure("the page shows an error: " + "; ".join(problems))
        self.check_labels()
        self.check_log()

    def check_labels(self):
        """Every visible control has a name a screen reader says."""
        unnamed = self.js("""
            const out = [];
            for (const el of document.querySelectorAll(
                'input, select, textarea, button, a[href]')) {
                if (el.closest('[hidden]') || el.type === 'hidden' ||
                    (el.offsetParent === null && !el.closest('dialog')))
                    continue;
                const byLabel = el.labels && [...el.labels].some(
                    (l) => l.textContent.trim() !== '');
                const byAria = (el.getAttribute('aria-label') || '').trim() !== '';
                const by = el.getAttribute('aria-labelledby');
                const byRef = by && by.split(' ').some((id) => {
                    const r = document.getElementById(id);
                    return r && r.textContent.trim() !== ''; });
                const byText = (el.tagName === 'BUTTON' || el.tagName === 'A') &&
                    el.textContent.trim() !== '';
                if (!byLabel && !byAria && !byRef && !byText)
                    out.push(el.outerHTML.slice(0, 160));
            }
            return out;""")
        if unnamed:
            raise Failure("controls without a label: " + " | ".join(unnamed))

    def check_log(self):
        """Fail on CSP violations, script errors and unexpected failures."""
        bad = []
        for e in self.d.get_log("browser"):
            self.seen_log.append(e)
            msg = e.get("message", "")
            if "Content Security Policy" in msg or "Refused to" in msg:
                bad.append("CSP: " + msg)
            elif e.get("source") == "network" and EXPECTED_401 in msg:
                continue
            elif e.get("source") == "network" and any(
                    p in msg and t in msg for p, t in self.allowed):
                hit = next(x for x in self.allowed
                           if x[0] in msg and x[1] in msg)
                self.allowed.remove(hit)
            elif e.get("level") in ("SEVERE", "WARNING"):
                bad.append("%s %s: %s" % (e.get("level"), e.get("source"), msg))
        self.read_network()
        if bad:
            raise Failure("the browser console shows: " + " | ".join(bad))

    def expect_refusal(self, path, status):
        """The next failure of path with status is one the scenario
        provokes (the browser logs every failed request)."""
        self.allowed.append((path, "Failed to load resource: the server "
                             "responded with a status of %d" % status))

    def read_network(self):
        """Record every request the page made (method, URL, status)."""
        for e in self.d.get_log("performance"):
            m = json.loads(e["message"])["message"]
            p = m.get("params", {})
            if m.get("method") == "Network.requestWillBeSent":
                r = p["request"]
                self.requests[p["requestId"]] = [r["method"], r["url"], None]
            elif m.get("method") == "Network.responseReceived":
                if p["requestId"] in self.requests:
                    self.requests[p["requestId"]][2] = p["response"]["status"]

    def api_requests(self):
        self.read_network()
        return [r for r in self.requests.values() if "/api/" in r[1]]

    def check_phone_width(self):
        """The page fits a phone's width: nothing scrolls sideways but
        the insides of tables."""
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        try:
            time.sleep(0.2)
            wide = self.js("return [document.documentElement.scrollWidth, "
                           "window.innerWidth];")
            if wide[0] > wide[1] + 1:
                raise Failure("%s is %d px wide on a %d px phone" %
                              (self.h1(), wide[0], wide[1]))
        finally:
            self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def save_failure(self, name):
        """Keep a screenshot, the page and the browser log."""
        os.makedirs(self.artifacts, exist_ok=True)
        base = os.path.join(self.artifacts, name)
        try:
            self.d.save_screenshot(base + ".png")
            with open(base + ".html", "w") as f:
                f.write(self.d.page_source)
            self.seen_log.extend(self.d.get_log("browser"))
        except WebDriverException:
            pass
        with open(base + "-console.log", "w") as f:
            for e in self.seen_log:
                f.write(json.dumps(e) + "\n")
        print("screenshot, page and browser log kept: %s.{png,html} %s" %
              (base, base + "-console.log"), file=sys.stderr)


def xpath_string(s):
    if "'" not in s:
        return "'%s'" % s
    return "concat('%s')" % s.replace("'", "', \"'\", '")


# --- scenarios -----------------------------------------------------------


def agent_row(c, hostname):
    """The cells of the Agents page's row of hostname, by column title."""
    titles = [th.text for th in c.finds("main table thead th")]
    for tr in c.finds("main table tbody tr"):
        cells = tr.find_elements(By.TAG_NAME, "td")
        if cells and cells[0].text == hostname:
            return dict(zip(titles, [td.text for td in cells]))
    raise Failure("%s is not on the Agents page" % hostname)


def scenario_admin(c, a):
    """The admin's day: the seed's steps through the console."""
    c.sign_in(a.user, a.password)
    c.check_phone_width()
    row = agent_row(c, a.hostname)
    note("Agents page: %s" % row)
    if row["Status"] not in ("Provisioned", "Initial scan complete"):
        raise Failure("status %r" % row["Status"])
    if not (row["Last check-in"].endswith("ago") or
            row["Last check-in"].startswith("just now")):
        raise Failure("last check-in %r" % row["Last check-in"])
    if row["Online"] != "Online":
        raise Failure("the running agent shows %r" % row["Online"])

    # The keyboard alone reaches the agent's summary.
    link = c.link(a.hostname)
    for _ in range(80):
        c.d.switch_to.active_element.send_keys(Keys.TAB)
        if c.js("return document.activeElement === arguments[0];", link):
            break
    else:
        raise Failure("Tab never reached the link of %s" % a.hostname)
    c.after(lambda: c.d.switch_to.active_element.send_keys(Keys.ENTER))
    if c.h1() != a.hostname:
        raise Failure("the summary is titled %r" % c.h1())
    got = {t: c.find("[data-manifest=%s]" % t).text
           for t in ("inventory", "fim", "vulnsigs")}
    want = json.loads(a.expect_manifests)
    note("Agent summary: manifest versions %s (the agent reports %s)" %
         (got, want))
    for t, v in want.items():
        if got[t] != str(v):
            raise Failure("the summary shows %s version %s, the agent "
                          "reports %s" % (t, got[t], v))
    c.check_phone_width()

    # Its profile, through the link of the summary.
    c.after(lambda: c.link(a.profile_name).click())
    hb = c.control("Heartbeat interval (seconds, 10 to 86400)")
    hb.clear()
    hb.send_keys("5")
    c.expect_refusal("/api/v1/profiles/", 400)
    c.button("Save profile").click()
    err = c.wait("the field error", lambda: c.finds(".field .field-error"))
    field = err[0].find_element(By.XPATH, "..")
    if "heartbeat_interval" not in err[0].text or \
            hb.get_attribute("aria-invalid") != "true" or \
            field.find_element(By.TAG_NAME, "input") != hb:
        raise Failure("the platform's field error is not next to the "
                      "field: %r" % err[0].text)
    note("field error shown next to the field: %s" % err[0].text)
    hb.clear()
    hb.send_keys(str(a.heartbeat))
    paused = c.control("Pause data collection")
    if paused.is_selected():
        raise Failure("the profile is paused already")
    paused.click()
    c.after(lambda: c.button("Save profile").click())
    saved_at = time.monotonic()
    note("saved: %s" % c.notice())
    c.check_phone_width()

    # The agent gets it at its next heartbeat.
    deadline = saved_at + a.heartbeat * 1.1 + 4
    while True:
        st = json.loads(subprocess.run(
            [a.outpostctl, "-c", a.agent_conf, "status", "--json"],
            check=True, capture_output=True, text=True).stdout)
        if st.get("manifests", {}).get("data_collection_paused"):
            break
        if time.monotonic() > deadline:
            raise Failure("the agent is not paused %.1f s after the save "
                          "(heartbeat %d s)" % (time.monotonic() - saved_at,
                                               a.heartbeat))
        time.sleep(0.2)
    note("the agent's status shows data collection paused %.1f s after "
         "the save (heartbeat_interval %d s)" %
         (time.monotonic() - saved_at, a.heartbeat))

    # The audit trail shows who did it.
    c.after(lambda: c.link("Audit trail").click())
    rows = [tr.text for tr in c.finds("main table tbody tr")]
    hit = [r for r in rows if a.user in r and
           "PATCH /api/v1/profiles/" in r and "data_collection_paused=true" in r]
    if not hit:
        raise Failure("no audit record of the pause by %s in %s" %
                      (a.user, rows[:5]))
    note("audit trail: %s" % hit[0].replace("\n", " | "))
    c.check_phone_width()

    # A new profile, applied to every agent of the key (seed S12).
    c.after(lambda: c.link("Configuration profiles").click())
    c.after(lambda: c.link("New profile").click())
    c.control("Name").send_keys("strict")
    c.button("Add a FIM rule").click()
    c.control("Path").send_keys("/etc")
    c.control("Agent Scan Merge on (answer on the correlation ports)").click()
    ports = c.control("Ports (1 to 16, separated by commas)")
    ports.clear()
    ports.send_keys("10001, 10003")
    c.control("Bind All (listen on every port of the list, not only the "
              "lowest free one)").click()
    c.control("Approved networks (CIDR, one per line; empty: every "
              "interface)").send_keys("10.0.0.0/8\n192.0.2.0/24")
    c.after(lambda: c.button("Create profile").click())
    if c.h1() != "Profile strict":
        raise Failure("after creating: %r" % c.h1())
    c.after(lambda: c.link("Activation keys").click())
    c.after(lambda: c.link(a.key_name).click())
    key_profile = c.control("Configuration profile")
    key_profile.find_element(By.XPATH, "option[normalize-space(.)='strict']").click()
    c.control("Apply changes to all existing agents").click()
    c.after(lambda: c.button("Save key").click())
    msg = c.notice()
    note("key saved: %s" % msg)
    if "applied to %d existing agents" % a.key_agents not in msg:
        raise Failure("apply to all agents: %r" % msg)

    # Accept agent correlation identifier.
    c.after(lambda: c.link("Settings").click())
    c.control("Accept agent correlation identifier").click()
    c.after(lambda: c.button("Save settings").click())
    note("settings: %s" % c.notice())

    # A new reader, through the Users page.
    c.after(lambda: c.link("Users").click())
    c.control("User name").send_keys("dave")
    c.control("Role").find_element(By.CSS_SELECTOR, "option[value=reader]").click()
    c.control("Password (8 to 1024 bytes)").send_keys("dave-reads-1")
    c.after(lambda: c.button("Add user").click())
    note("users: %s" % c.notice())
    c.check_phone_width()

    # Uninstall the other agent, after the confirmation.
    c.go("#/agents/" + a.uninstall_id)
    c.button("Uninstall agent…").click()
    c.wait("the confirmation", lambda: c.find("#confirm").is_displayed())
    c.check_labels()
    c.button("Cancel").click()
    c.wait("the confirmation to close",
           lambda: not c.find("#confirm").is_displayed())
    c.button("Uninstall agent…").click()
    c.wait("the confirmation", lambda: c.find("#confirm").is_displayed())
    c.after(lambda: c.find("#confirm-ok").click())
    note("uninstall: %s" % c.notice())
    if c.h1() != "Agents":
        raise Failure("after uninstalling: %r" % c.h1())
    c.sign_out()
    c.check_log()


# What a reader may send: signing in and out; every other request a GET.
READER_WRITES = {("POST", "/api/v1/session"), ("DELETE", "/api/v1/session")}


def scenario_reader(c, a):
    """A reader sees every page, finds no control that changes state."""
    c.sign_in(a.user, a.password)
    pages = ["#/agents", "#/agents/" + a.agent_id, "#/profiles",
             "#/profiles/1", "#/profiles/new", "#/keys", "#/keys/" + a.key_id,
             "#/settings", "#/scans", "#/users", "#/audit"]
    for page in pages:
        c.go(page)
        title = c.h1()
        if page == pages[1]:
            text = c.find("main").text
            missing = [t for t in a.expect_text if t not in text]
            if missing:
                raise Failure("the agent summary lacks %s" % missing)
        writes = [e.get_attribute("outerHTML")[:120]
                  for e in c.finds("[data-write]")]
        if writes:
            raise Failure("%s offers a reader controls that change "
                          "state: %s" % (page, writes))
        c.check_phone_width()
        clicked = press_everything(c, page)
        note("%s (%s): no control that changes state; %d buttons pressed" %
             (page, title, clicked))
    for method, url, status in c.api_requests():
        path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        if method != "GET" and (method, "/" + path) not in READER_WRITES:
            raise Failure("the reader's browser sent %s %s" % (method, url))
        if status is not None and status >= 400 and \
                not (status == 401 and path == "api/v1/session"):
            raise Failure("%s %s answered %d to the reader" %
                          (method, url, status))
    note("%d API requests, every one a GET but the sign-in" %
         len(c.api_requests()))
    c.sign_out()
    c.check_log()


def press_everything(c, page):
    """Press every button of the page (coming back to it after each)."""
    n = 0
    i = 0
    while True:
        buttons = [b for b in c.finds("main button, #notices button")
                   if b.is_displayed() and b.is_enabled()]
        if i >= len(buttons):
            return n
        before = c.state()[1]
        buttons[i].click()
        n += 1
        i += 1
        time.sleep(0.1)
        st, at = c.state()
        if at != before or st != "ready":
            c.wait_shown(before)
        c.check_page()
        if c.js("return location.hash;") != page:
            c.go(page)


def scenario_scale(c, a):
    """The Agents page of a large fleet: first page and a filtered page."""
    c.sign_in(a.user, a.password)
    figures = {"first": [], "filtered": []}
    for run in range(a.runs):
        # A fresh load of the page: navigation start to the painted table.
        at = c.open("#/agents")
        rows = len(c.finds("main table tbody tr"))
        count = c.find("main .count").text
        if rows != 50 or "of %s" % format(a.agents, ",") not in count:
            raise Failure("first page: %d rows, %r" % (rows, count))
        figures["first"].append(at)
        # Filters set in the form, timed from the press of Apply.
        c.control("Online").find_element(By.CSS_SELECTOR, "option[value=true]").click()
        c.control("Current error").find_element(
            By.CSS_SELECTOR, "option[value=%s]" % a.error_code).click()
        q = c.control("Search host name, agent id or correlation id")
        q.send_keys(a.search)
        before = c.state()[1]
        t0 = c.js("const t = performance.now(); "
                  "document.getElementById('agent-filters-apply').click(); "
                  "return t;")
        at = c.wait_shown(before)
        c.check_page()
        count = c.find("main .count").text
        if "of %s" % format(a.filtered, ",") not in count:
            raise Failure("filtered page: %r, expected %d agents" %
                          (count, a.filtered))
        figures["filtered"].append(at - t0)
        note("run %d: first page %.0f ms, filtered page %.0f ms (%s)" %
             (run + 1, figures["first"][-1], figures["filtered"][-1], count))
    c.check_phone_width()
    # The median of the runs against the budget, so one run slowed by
    # another program on a loaded machine does not decide; every run is
    # printed.
    for k, v in figures.items():
        median = sorted(v)[len(v) // 2]
        print("console-scale: %s page of %d agents: %s ms (median %.0f "
              "ms, max %.0f ms)" % (k, a.agents,
                                    ", ".join("%.0f" % x for x in v),
                                    median, max(v)))
        if median >= a.budget:
            raise Failure("the %s page took %.0f ms (median of %d runs; "
                          "budget %d ms)" % (k, median, len(v), a.budget))


SCENARIOS = {"admin": scenario_admin, "reader": scenario_reader,
             "scale": scenario_scale}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    # admin
    p.add_argument("--hostname")
    p.add_argument("--expect-manifests", default="{}")
    p.add_argument("--profile-name", default="default")
    p.add_argument("--key-name")
    p.add_argument("--key-agents", type=int, default=0)
    p.add_argument("--heartbeat", type=int, default=10)
    p.add_argument("--outpostctl")
    p.add_argument("--agent-conf")
    p.add_argument("--uninstall-id")
    # reader
    p.add_argument("--agent-id")
    p.add_argument("--key-id")
    p.add_argument("--expect-text", action="append", default=[])
    # scale
    p.add_argument("--agents", type=int, default=0)
    p.add_argument("--filtered", type=int, default=0)
    p.add_argument("--error-code", default="E701")
    p.add_argument("--search", default="")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--budget", type=int, default=1000)
    a = p.parse_args()
    c = Console(a)
    try:
        SCENARIOS[a.scenario](c, a)
    except (Failure, WebDriverException, subprocess.CalledProcessError) as e:
        print("FAIL: %s" % (e.msg if isinstance(e, WebDriverException)
                            else e), file=sys.stderr)
        c.save_failure(a.scenario)
        c.quit()
        return 1
    c.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
