#!/usr/bin/env bash
# Installs the system packages media_pipeline needs, only those that are missing:
# ffmpeg (+ffprobe), libass (captions are drawn with it directly), espeak-ng, a Hangul-capable font
# (fonts-nanum) and, with --postgres, PostgreSQL 15 server binaries for the test suite's throwaway database
# and Chromium for the console's browser tests;
# Node.js with npm always (npm installs the console's player; the seed-002 front-end test needs Node >= 20's
# WebSocket).
set -euo pipefail

want_pg=0
[ "${1:-}" = "--postgres" ] && want_pg=1

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
/sbin/ldconfig -p 2>/dev/null | grep -q 'libass\.so\.9' || missing+=(libass9)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=ko file 2>/dev/null | head -n1)" ]; then
  missing+=(fonts-nanum)
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "$want_pg" = 1 ] && [ ! -x /usr/lib/postgresql/15/bin/initdb ] && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql-15)
fi
if [ "$want_pg" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
