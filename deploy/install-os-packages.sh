#!/usr/bin/env bash
# OS packages the product and its tests use: a TrueType CJK font for PDFs, Chromium for browser
# tests, poppler for looking at PDFs. Installed only when missing, and only where we can.
set -euo pipefail

want=()
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || want+=(fonts-wqy-microhei)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || want+=(poppler-utils)

if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "Missing OS packages: ${want[*]} (install them with your package manager; tests that need them skip)" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing OS packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
