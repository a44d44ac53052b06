#!/usr/bin/env python3
"""Browser test of `redflag score --review-html`: the reviewer's page in headless Chromium.

    tests/browser/review_html.py REDFLAG_BINARY WORK_DIR [CHROMIUM CHROMEDRIVER]

Run it through tests/browser/review_html.sh, which finds the browser (or skips). It scores
review_fixture.jsonl with the embedded default model, opens the page from a file:// URL and
checks: flagged records only, in harmful-score order; highlight elements whose text is the
text at each reason's byte span (emoji and Arabic included); nothing from the data runs as
script or markup; keys, buttons and notes decide records; decisions survive a reload; the
export (textarea and download) is JSON Lines that `redflag train --data` trains on.

The WebDriver client is a few lines of the W3C protocol over urllib: no dependency beyond
Python 3's standard library.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "review_fixture.jsonl"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
KEY_ESCAPE = "\ue00c"
KEY_ARROW_UP = "\ue013"
KEY_ARROW_DOWN = "\ue015"


class WebDriverError(Exception):
    pass


class Browser:
    """A headless Chromium driven by chromedriver over the W3C WebDriver protocol."""

    def __init__(self, chromium, chromedriver, work):
        self.port = free_port()
        self.log = open(work / "chromedriver.log", "w")
        self.driver = subprocess.Popen(
            [chromedriver, f"--port={self.port}"], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while True:
            try:
                if self.call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if time.time() > deadline:
                raise WebDriverError("chromedriver did not start (see chromedriver.log)")
            time.sleep(0.2)
        self.downloads = work / "downloads"
        self.downloads.mkdir()
        # Chromium now and then exits while starting on a busy machine ("session not
        # created: Chrome instance exited"); a new session with a fresh profile is tried up
        # to three times, each failure reported, before the test fails.
        for attempt in range(1, 4):
            options = {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--window-size=1280,1000",
                    f"--user-data-dir={work / f'profile-{attempt}'}",
                ],
                "prefs": {
                    "download.default_directory": str(self.downloads),
                    "download.prompt_for_download": False,
                },
            }
            caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
            try:
                self.session = self.call("POST", "/session", caps)["sessionId"]
                break
            except WebDriverError as e:
                if attempt == 3:
                    raise
                print(f"browser test: Chromium did not start (attempt {attempt}): {e}; retrying",
                      file=sys.stderr)
                time.sleep(2)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                value = json.load(resp)["value"]
        except urllib.error.HTTPError as e:
            value = json.load(e)["value"]
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message')}")
        return value

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def open(self, url):
        self.s("POST", "/url", {"url": url})
        self.wait(lambda: self.js("return document.documentElement.dataset.ready === 'true'"), "page ready")

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        found = self.s("POST", "/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def click(self, element):
        # As a person would: scroll the element clear of the sticky bar first.
        self.js("arguments[0].scrollIntoView({block: 'center'});", {ELEMENT: element})
        self.s("POST", f"/element/{element}/click", {})

    def type_into(self, element, text):
        self.s("POST", f"/element/{element}/value", {"text": text})

    def prop(self, element, name):
        return self.s("GET", f"/element/{element}/property/{name}")

    def keys(self, *keys):
        """Presses keys on whatever has focus, as a person would."""
        actions = []
        for k in keys:
            for ch in [k] if len(k) == 1 else list(k):
                actions += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.s("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})
        self.s("DELETE", "/actions")

    def reload(self):
        self.s("POST", "/refresh", {})
        self.wait(lambda: self.js("return document.documentElement.dataset.ready === 'true'"), "page ready")

    def wait(self, ok, what, timeout=15):
        deadline = time.time() + timeout
        while not ok():
            if time.time() > deadline:
                raise WebDriverError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def close(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        self.log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def utf16_index(text, byte_offset):
    """The JavaScript string index of a byte offset into text's UTF-8."""
    prefix = text.encode("utf-8")[:byte_offset].decode("utf-8")
    return len(prefix.encode("utf-16-le")) // 2


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    redflag, work = sys.argv[1], Path(sys.argv[2])
    chromium = sys.argv[3] if len(sys.argv) > 3 else shutil.which("chromium")
    chromedriver = sys.argv[4] if len(sys.argv) > 4 else shutil.which("chromedriver")
    shutil.copy(FIXTURE, work / "posts.jsonl")
    run = lambda *args: subprocess.run(
        [redflag, *args], cwd=work, check=True, capture_output=True, text=True
    )
    run("score", "posts.jsonl", "--threads", "2", "--output", "scores.jsonl", "--review-html", "review.html")

    # What the page must show, from the score results.
    texts = [json.loads(l)["text"] for l in FIXTURE.read_text(encoding="utf-8").splitlines()]
    results = [json.loads(l) for l in (work / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    review = ["appeal", "propaganda"]
    flagged = [
        {**r, "line": i + 1, "text": texts[i], "harmful": max(r["scores"][c] for c in review)}
        for i, r in enumerate(results)
        if r["review"]
    ]
    expected = sorted(flagged, key=lambda r: -r["harmful"])  # stable: ties in input order
    check(len(expected) >= 4, f"the fixture flags at least four records: {len(expected)}")
    check(any("<script>" in r["text"] for r in expected), "the hostile record is flagged")

    browser = Browser(chromium, chromedriver, work)
    try:
        exercise(browser, work, expected, run)
    finally:
        browser.close()
    print(f"browser test: ok ({len(expected)} flagged records reviewed, decisions exported and trained on)")


def exercise(b, work, expected, run):
    b.open((work / "review.html").as_uri())

    # Nothing from the data ran or became markup.
    check(b.js("return window.redflagInjected === undefined"), "an injected script ran")
    check(
        b.js("return document.querySelectorAll('#records script, #records img, #records svg').length") == 0,
        "data became markup",
    )
    check(b.js("return document.scripts.length") == 2, "only the page's own two scripts")
    summary = b.js("return document.getElementById('counts').textContent")
    check("8 records read" in summary and f"{len(expected)} flagged" in summary, summary)
    check(
        len(b.js("return document.getElementById('model-sha256').textContent")) == 64,
        "the model's checksum is shown",
    )

    # Flagged records only, highest harmful score first.
    cards = b.js(
        """return Array.from(document.querySelectorAll('article.record')).map(function (c) {
             return {id: c.querySelector('.id-value').textContent, source: c.querySelector('.source').textContent,
                     harmful: Number(c.dataset.harmful), text: c.querySelector('.text').textContent,
                     label: c.querySelector('.model-label').textContent,
                     explains: c.querySelector('.explains').textContent};
           });"""
    )
    check([c["id"] for c in cards] == [r["id"] for r in expected], f"order: {cards}")
    check(all(a["harmful"] >= b_["harmful"] for a, b_ in zip(cards, cards[1:])), "sorted by harmful score")
    for card, r in zip(cards, expected):
        check(card["text"] == r["text"], f"{r['id']}: the text is shown as text: {card['text']!r}")
        check(card["source"] == f"posts.jsonl:{r['line']}", card["source"])
        check(card["label"] == r["label"], card["label"])
        check(f"reasons explain {r['explains']}" in card["explains"], card["explains"])
        check(f"{r['threshold']:.3f}" in card["explains"], card["explains"])
    hostile = next(c for c in cards if "<script>" in c["text"])
    check("</script><svg onload=alert(1)>" in hostile["id"], "the hostile id is shown as text")

    # Highlights: every reason span, in JavaScript indices, shows exactly its text.
    marks = b.js(
        """return Array.from(document.querySelectorAll('article.record')).map(function (c) {
             return Array.from(c.querySelectorAll('.text mark.hl')).map(function (m) {
               return {reasons: m.dataset.reasons.split(' ').map(Number), from: Number(m.dataset.from),
                       to: Number(m.dataset.to), text: m.textContent, pos: m.classList.contains('pos'),
                       alpha: Number((getComputedStyle(m).backgroundColor.match(/[\\d.]+(?=\\))/) || ['1'])[0])};
             });
           });"""
    )
    spans_checked = 0
    for r, card_marks in zip(expected, marks):
        check(card_marks, f"{r['id']}: highlights exist")
        text = r["text"]
        raw = text.encode("utf-8")
        for k, reason in enumerate(r["reasons"]):
            for n, (start, end) in enumerate(reason["spans"]):
                want = raw[start:end].decode("utf-8")
                lo, hi = utf16_index(text, start), utf16_index(text, end)
                pieces = [m for m in card_marks if k in m["reasons"] and lo <= m["from"] and m["to"] <= hi]
                check(pieces and pieces[0]["from"] == lo and pieces[-1]["to"] == hi, f"{r['id']}: span {start}..{end}")
                got = "".join(m["text"] for m in pieces)
                check(got == want, f"{r['id']}: highlight {got!r} != text at {start}..{end} {want!r}")
                if n == 0 and reason["kind"] == "word":
                    check(got == reason["feature"].strip(), f"{r['id']}: {got!r} is not the word {reason['feature']!r}")
                check(all(m["pos"] == (reason["weight"] >= 0) for m in pieces if m["reasons"] == [k]), "sign class")
                spans_checked += 1
        # Stronger weight, stronger colour.
        alone = {m["reasons"][0]: m["alpha"] for m in card_marks if len(m["reasons"]) == 1}
        by_weight = sorted(alone, key=lambda k: r["reasons"][k]["weight"])
        check(
            all(alone[a] <= alone[c] for a, c in zip(by_weight, by_weight[1:])),
            f"{r['id']}: colour does not follow weight: {alone}",
        )
    check(any(ord(ch) > 0xFFFF for r in expected for ch in r["text"]), "an emoji record is on the page")
    check(any("\u0600" <= ch <= "\u06ff" for r in expected for ch in r["text"]), "an Arabic record is on the page")

    # Deciding: keys, buttons, notes.
    current = lambda: b.js("return Number(document.querySelector('article.record.current').dataset.index)")
    decision = lambda i: b.js(f"return document.querySelectorAll('article.record')[{i}].dataset.decision")
    check(current() == 0, "the first record is current")
    b.keys("1")  # appeal, and on to the next record
    check(decision(0) == "appeal" and current() == 1, "key 1 decides appeal and moves on")
    b.keys("n")
    b.keys("not an appeal: gaming slang")
    b.keys(KEY_ESCAPE)
    b.keys("4")  # benign
    check(decision(1) == "benign" and current() == 2, "key 4 decides benign")
    b.keys("k")
    check(current() == 1, "k moves up")
    b.keys("j", KEY_ARROW_DOWN)
    check(current() == 3, "j and the down arrow move down")
    b.keys(KEY_ARROW_UP)
    check(current() == 2, "the up arrow moves up")
    b.click(b.find("article.record:nth-of-type(3) button.decision[data-decision='propaganda']")[0])
    check(decision(2) == "propaganda" and current() == 2, "a button decides its record")
    b.keys("j", "5")  # unsure
    check(decision(3) == "unsure" and current() == 4, "key 5 is unsure")
    b.click(b.find("article.record:nth-of-type(5) button.decision[data-decision='reporting']")[0])
    notes = b.find("article.record:nth-of-type(5) textarea.notes")[0]
    b.type_into(notes, "quotes an appeal «اقتباس» <b>not bold</b>")
    progress = b.js("return document.getElementById('progress').textContent")
    check(progress.startswith("5 / 5 decided"), progress)
    # Clicking the chosen decision again clears it; 0 clears the current record's.
    button = b.find("article.record:nth-of-type(3) button.decision[data-decision='propaganda']")[0]
    b.click(button)
    check(decision(2) == "", "a second click clears the decision")
    b.click(button)
    check(decision(2) == "propaganda", "and a third sets it again")

    # Decisions and notes survive a reload.
    b.reload()
    check([decision(i) for i in range(5)] == ["appeal", "benign", "propaganda", "unsure", "reporting"], "reload")
    notes_after = b.js("return Array.from(document.querySelectorAll('textarea.notes')).map(function (t) { return t.value; })")
    check(notes_after[1] == "not an appeal: gaming slang", notes_after)
    check(notes_after[4] == "quotes an appeal «اقتباس» <b>not bold</b>", notes_after)

    # Export: the textarea and a download, the same JSON Lines.
    b.click(b.find("#export-button")[0])
    exported = b.prop(b.find("#export")[0], "value")
    lines = [json.loads(l) for l in exported.splitlines()]
    check(len(lines) == 4, f"four decided records exported, the unsure one left out: {exported}")
    labels = ["appeal", "benign", "propaganda", "reporting"]
    order = [0, 1, 2, 4]
    for line, label, i in zip(lines, labels, order):
        r = expected[i]
        check(line["id"] == r["id"] and line["text"] == r["text"], f"export {i}: {line}")
        check(line["label"] == label and line["source"] == f"posts.jsonl:{r['line']}", f"export {i}: {line}")
        check(line["model_label"] == r["label"], line)
        check(set(line["review_scores"]) == {"appeal", "propaganda"}, line)
        check(abs(line["review_scores"]["appeal"] - r["scores"]["appeal"]) < 1e-12, line)
    check(lines[1]["notes"] == "not an appeal: gaming slang", lines[1])
    check(lines[3]["notes"] == "quotes an appeal «اقتباس» <b>not bold</b>", lines[3])
    status = b.js("return document.getElementById('export-status').textContent")
    check("1 unsure left out" in status, status)
    b.wait(lambda: any(p.suffix == ".jsonl" for p in b.downloads.iterdir()), "the download")
    download = next(p for p in b.downloads.iterdir() if p.suffix == ".jsonl")
    check(download.read_text(encoding="utf-8") == exported, "the download is the export")

    # The export is labelled data.
    (work / "decisions.jsonl").write_text(exported, encoding="utf-8")
    (work / "tiny.toml").write_text("[features]\nmin_df = 1\n[review]\nvalidation_fraction = 0.0\n")
    run("train", "--data", "decisions.jsonl", "--config", "tiny.toml", "--out", "retrained.rfm", "--quiet")
    out = run("score", "decisions.jsonl", "--model", "retrained.rfm", "--quiet").stdout
    check(len(out.splitlines()) == 4, "the retrained model scores")
    print(f"browser test: {spans_checked} reason spans checked against their highlights")


if __name__ == "__main__":
    main()
