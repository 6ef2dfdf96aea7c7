#!/usr/bin/env bash
# System packages voicecoach uses, installed when missing and we are root on Debian; otherwise
# we say what is missing (charts then fall back to English; those tests are skipped).
#   scripts/system-deps.sh fonts   the CJK font the Chinese charts need (run by `make demo`)
#   scripts/system-deps.sh test    + Debian's Chromium (browser test of report.html) and
#                                  PostgreSQL (the QA store's server test) (run by `make test`)
# `make` runs this before it creates .venv, so the CJK font is on the machine before anything
# builds matplotlib's font cache (voicecoach.report.fonts also copes with a stale cache).
set -u
what=${1:-test}
need=()
have_cjk_font() {
  fc-list :lang=zh 2>/dev/null | grep -q . && return 0
  ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1
}
have_cjk_font || need+=(fonts-wqy-microhei fontconfig)
if [ "$what" = test ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "==> system packages: all there (CJK font$([ "$what" = test ] && echo ', Chromium, PostgreSQL'))"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "==> note: missing system packages (${need[*]}); install them (e.g. sudo apt-get install ${need[*]})," \
       "or Chinese charts are drawn in English and the tests that need them are skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
start=$SECONDS
echo "==> system packages: apt-get install ${need[*]}"
if ! apt-get install -y -q "${need[@]}" >"$log" 2>&1; then
  echo "    package lists missing or stale: apt-get update"
  apt-get update -q >"$log" 2>&1 || { echo "    apt-get update failed:"; tail -n 20 "$log"; }
  if ! apt-get install -y -q "${need[@]}" >"$log" 2>&1; then
    echo "    apt-get install failed (the tests that need ${need[*]} will say so):"
    tail -n 20 "$log"
    rm -f "$log"
    exit 0
  fi
fi
n=$(grep -c "^Setting up " "$log")
echo "    done in $((SECONDS - start)) s ($n Debian packages set up, dependencies included)"
rm -f "$log"
exit 0
