#!/usr/bin/env bash
# failsafe: the two commands of the README.
#
#   ./run.sh demo   install what is missing, build, enhance the shipped
#                   noisy-speech clip and print the summary
#   ./run.sh test   install what is missing, build with warnings as errors,
#                   run every test; ends with "N passed, N failed"
#
# Works as root on a fresh Debian 12 (bookworm); as another user it asks sudo.
set -euo pipefail
cd "$(dirname "$0")"

build_packages=(gcc libc6-dev pkg-config meson ninja-build python3
  lv2-dev liblilv-dev libfftw3-dev libsndfile1-dev portaudio19-dev libspeexdsp-dev)
test_packages=(libcmocka-dev lilv-utils sordi jackd2 jalv libxml2-utils ardour
  pipewire pipewire-bin)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages that are not installed yet; apt-get update first.
install_missing() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# Configures (or reconfigures) build/ with the given options, then builds.
build() {
  if [ -d build/meson-private ]; then
    meson configure build "$@"
  else
    meson setup build "$@"
  fi
  meson compile -C build
}

export LV2_PATH="$PWD/build/lv2:/usr/lib/lv2"

demo() {
  install_missing "${build_packages[@]}"
  build -Dtests=disabled
  mkdir -p demo-output
  build/host-test/failsafe-host process host-test/demo/noisy_speech.flac demo-output/enhanced.wav \
    --json demo-output/summary.json
  echo
  echo "The same clip with four faults injected, to watch the net at work:"
  build/host-test/failsafe-host process host-test/demo/noisy_speech.flac demo-output/net-at-work.wav \
    --chaos runaway@1.2-2.2,nan@3.4-3.6,clip@5-6,musical@6.5-7.2 --timeline demo-output/timeline.svg
  echo
  echo "Enhanced audio:      demo-output/enhanced.wav"
  echo "JSON summary:        demo-output/summary.json"
  echo "Faults absorbed:     demo-output/net-at-work.wav"
  echo "Timeline picture:    demo-output/timeline.svg"
}

# Prints "N passed, N failed[, N skipped]" from meson's test log and fails
# when anything failed.
summarise() {
  python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for log in sys.argv[1:]:
    try:
        lines = open(log).read().splitlines()
    except OSError:
        failed += 1
        print("missing test log: " + log)
        continue
    for line in lines:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
sys.exit(1 if failed else 0)
PY
}

run_tests() {
  install_missing "${build_packages[@]}" "${test_packages[@]}"
  rm -f build/meson-logs/testlog.json
  local built=1
  build -Dwerror=true -Dtests=enabled || built=0
  if [ $built -eq 0 ]; then
    echo "build failed"
    echo "0 passed, 1 failed"
    return 1
  fi
  meson test -C build --print-errorlogs || true

  # The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
  # Tests that load the plugin into other programs (lv2apply, jalv, Ardour,
  # the PortAudio harness) stay out: those hosts are not sanitized, and a
  # sanitized plugin cannot load into them.
  rm -f build-asan/meson-logs/testlog.json
  if [ -d build-asan/meson-private ]; then
    meson configure build-asan -Dwerror=true -Dtests=enabled
  else
    meson setup build-asan -Db_sanitize=address,undefined -Db_lto=false -Dbuildtype=debugoptimized -Dwerror=true -Dtests=enabled
  fi
  if meson compile -C build-asan; then
    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      meson test -C build-asan --no-suite hosts --no-suite rt --print-errorlogs || true
  fi
  summarise build/meson-logs/testlog.json build-asan/meson-logs/testlog.json
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
