#!/bin/sh
# Installs every Debian 12 package Yogi needs to build, run and test.
# Idempotent: apt-get skips what is already installed. Works as root or with sudo.
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-deps: run as root or install sudo" >&2; exit 1
    fi
fi

BUILD="build-essential pkg-config make"
LIBS="libevent-dev libsqlite3-dev sqlite3 libtesseract-dev libleptonica-dev
      tesseract-ocr tesseract-ocr-eng libcurl4-openssl-dev libjansson-dev
      libyaml-dev libpoppler-glib-dev libcairo2-dev libsodium-dev libssl-dev
      libseccomp-dev libpcre2-dev"
TEST="valgrind python3 curl jq ca-certificates poppler-utils imagemagick
      chromium clang libclang-rt-14-dev python3-pil python3-numpy python3-icalendar"
# Fonts for the variation suite (bench/variation, tests/integration/variation.sh):
# the timetables it renders vary in typeface the way schools' templates do
# (bench/variation/README.md lists them by family).
FONTS="fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-urw-base35 fonts-freefont-ttf
       fonts-comic-neue fonts-roboto fonts-open-sans fonts-crosextra-carlito
       fonts-cantarell fonts-ebgaramond"
TEST="$TEST $FONTS"
# Browser tests drive Chromium with playwright-core from npm. Some images ship
# Node.js with its own npm (which conflicts with Debian's npm package), so
# Debian's nodejs and npm are added only when no npm is on the PATH.
command -v npm >/dev/null 2>&1 || TEST="$TEST nodejs npm"

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! dpkg -s $BUILD $LIBS $TEST >/dev/null 2>&1; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends $BUILD $LIBS $TEST
fi
