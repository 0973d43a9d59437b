"""report_browser.py PAGE SCREENSHOT [--expect-broken] — opens a clvis index.html in headless
Chromium (Selenium + chromedriver), scrolls every picture into view (they load lazily), and
checks that every <img> loaded (complete, naturalWidth > 0) and that the console has no error;
saves a full-page screenshot. Prints PASS/FAIL lines; exit 0 when all passed.
--expect-broken: the page is known to have a missing picture; the checks must see it fail."""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def main():
    page, shot = sys.argv[1], sys.argv[2]
    expect_broken = "--expect-broken" in sys.argv[3:]
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--hide-scrollbars", "--window-size=1400,1000", "--allow-file-access-from-files"):
        opts.add_argument(a)
    binary = os.environ.get("CLVIS_CHROMIUM", "/usr/bin/chromium")
    if os.path.exists(binary):
        opts.binary_location = binary
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = os.environ.get("CLVIS_CHROMEDRIVER", "/usr/bin/chromedriver")
    d = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        d.set_page_load_timeout(60)
        d.get("file://" + os.path.abspath(page))
        imgs = d.find_elements("tag name", "img")
        for im in imgs:  # loading="lazy": bring each into view
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", im)
        deadline = time.time() + 30
        state = []
        while time.time() < deadline:
            state = d.execute_script(
                "return Array.from(document.images).map(i => "
                "[i.getAttribute('src'), i.complete, i.naturalWidth]);")
            if all(c for _, c, _ in state):
                break
            time.sleep(0.2)
        bad = [s for s, c, w in state if not c or w <= 0]
        log = [e for e in d.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]
        title = d.title
        h = d.execute_script("return Math.min(document.documentElement.scrollHeight, 12000);")
        d.set_window_size(1400, max(600, int(h)))
        d.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.3)
        d.save_screenshot(shot)
    finally:
        d.quit()
    if expect_broken:
        ok = bool(bad) and bool(log)
        print("%s the checks see a page with a missing picture: %d not loaded, %d console errors"
              % ("PASS" if ok else "FAIL", len(bad), len(log)))
        return 0 if ok else 1
    fails = 0
    n = len(state)
    if n >= 1 and not bad:
        print("PASS every picture loaded (%d <img>, naturalWidth > 0)" % n)
    else:
        fails += 1
        print("FAIL pictures not loaded: %d of %d: %s" % (len(bad), n, bad[:5]))
    if not log:
        print("PASS no console errors")
    else:
        fails += 1
        print("FAIL console errors: %s" % [e.get("message") for e in log[:5]])
    if title.startswith("clvis"):
        print("PASS the page's title: %s" % title)
    else:
        fails += 1
        print("FAIL title %r" % title)
    if os.path.getsize(shot) > 10000:
        print("PASS screenshot %s (%d bytes, 1400x%d)" % (shot, os.path.getsize(shot), h))
    else:
        fails += 1
        print("FAIL screenshot %s too small" % shot)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
