#!/usr/bin/env bash
# The browser test of the reviewer's page (`redflag score --review-html`): scores
# review_fixture.jsonl, opens the page in headless Chromium through chromedriver, decides
# records with keys and buttons, exports the decisions and trains on them (see
# review_html.py for what is checked).
#
#   tests/browser/review_html.sh [REDFLAG_BINARY]
#
# Needs Python 3 and Chromium with its WebDriver (Debian: `apt-get install chromium
# chromium-driver`); $CHROMIUM and $CHROMEDRIVER name other binaries. Without them the test
# is skipped with a message and exits 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
redflag=${1:-$root/target/release/redflag}
find_binary() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}
chromium=${CHROMIUM:-$(find_binary chromium chromium-browser google-chrome || true)}
chromedriver=${CHROMEDRIVER:-$(find_binary chromedriver || true)}
if [ -z "$chromium" ] || [ -z "$chromedriver" ]; then
    echo "skipping browser test: chromium not found (install chromium and chromium-driver)" >&2
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "skipping browser test: python3 not found" >&2
    exit 0
fi
if [ ! -x "$redflag" ]; then
    (cd "$root" && cargo build --release --quiet)
fi
redflag=$(cd "$(dirname "$redflag")" && pwd)/$(basename "$redflag")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/review_html.py" "$redflag" "$work" "$chromium" "$chromedriver"
