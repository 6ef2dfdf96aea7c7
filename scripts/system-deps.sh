#!/usr/bin/env bash
# System packages the tests use: Debian's Chromium (browser test of report.html) and
# PostgreSQL (the QA store's server test). Installed when missing and we are root on Debian;
# otherwise we say what is missing and those tests are skipped with that reason.
set -u
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need[@]}" >/dev/null; }
else
  echo "note: missing system packages (${need[*]}); install them (e.g. sudo apt-get install ${need[*]}) or the tests that need them are skipped"
fi
exit 0
