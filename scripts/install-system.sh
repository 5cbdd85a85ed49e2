#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages voicecoach needs, only those missing.
# espeak-ng: the voice; libportaudio2: live sound (python-sounddevice); ffmpeg: ffprobe for tests;
# pulseaudio, pulseaudio-utils, libasound2-plugins: real-time playback tests on a null sink;
# dbus-daemon, playerctl: media-key (MPRIS) tests on a private session bus.
# With --tests, also what only the tests use: chromium, chromium-driver and poppler-utils,
# to open the session page and the report in a real browser and read printed PDFs back.
set -euo pipefail

packages=(espeak-ng libespeak-ng1 libportaudio2 alsa-utils python3-venv
          ffmpeg pulseaudio pulseaudio-utils libasound2-plugins sox make
          dbus-daemon playerctl)
if [ "${1:-}" = "--tests" ]; then
    packages+=(chromium chromium-driver poppler-utils)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "Not a Debian/Ubuntu system: install espeak-ng (or use the system voices), PortAudio," >&2
    echo "ffmpeg and pulseaudio with your package manager, then run make again." >&2
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "Error: need root to install: ${missing[*]}" >&2
        echo "Run as root, or install them with your package manager." >&2
        exit 1
    fi
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
