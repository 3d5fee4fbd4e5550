#!/bin/sh
# Rebuild the learned tier's weights from a fresh clone, in one command:
#
#     sh dsp/train/reproduce.sh
#
# 1. installs the Debian packages it needs (apt-get, as root or with sudo),
# 2. builds the feature tool with meson (build/dsp/train/fs-train-features),
# 3. builds the data set (dsp/train/build_data.py),
# 4. trains (dsp/train/train.py) and exports dsp/fs_learned_weights.c.
#
# Settings, from the environment:
#   HOURS    hours of audio, training and validation together   (default 3)
#   EPOCHS   training epochs                                    (default 45)
#   MINUTES  training time cap in minutes                       (default 120)
#   SEED     seed of the data and of the training               (default: the scripts')
#   DATA     data folder                          (default build/train-data)
#   RUN      training folder (checkpoint.pt, best.pt, train.log) (default build/train-run)
#   SKIP_APT=1  skip the package installation
#
# Each step can be rerun: meson reuses build/, build_data.py rebuilds DATA
# only when DATA/recipe.json is missing, and train.py continues from
# RUN/checkpoint.pt (its time budget counts across runs).
# On 2 cores the defaults take about an hour and a half after the
# installation (data 5 to 12 min, training 70 to 80 min), more on a busy machine; a
# machine so busy that training passes MINUTES ends it early, with other
# weights (measurements in dsp/train/README.md).
set -eu

cd "$(dirname "$0")/../.."
HOURS=${HOURS:-3}
EPOCHS=${EPOCHS:-45}
MINUTES=${MINUTES:-120}
DATA=${DATA:-build/train-data}
RUN=${RUN:-build/train-run}
PY=/usr/bin/python3

# Build dependencies of the C tool, the Python side, and the sources of the
# data (speech, text, recorded noise): dsp/train/README.md says why these.
PACKAGES="gcc meson ninja-build pkg-config lv2-dev libfftw3-dev liblilv-dev libsndfile1-dev
 python3 python3-numpy python3-scipy python3-soundfile python3-torch
 espeak-ng festival festvox-kdlpc16k festvox-us-slt-hts festvox-italp16k festvox-itapc16k
 festvox-czech-dita festvox-czech-machac festvox-suopuhe-lj festvox-suopuhe-mv
 asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav klettres-data
 wamerican wngerman wfrench wspanish witalian wdutch wswedish
 colobot-common-sounds extremetuxracer-data sox libsox-fmt-base"

if [ "${SKIP_APT:-0}" != 1 ]; then
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $PACKAGES
fi

start=$(date +%s)
[ -d build ] || meson setup build
meson compile -C build fs-train-features

SEEDARG=
[ -n "${SEED:-}" ] && SEEDARG="--seed $SEED"
if [ ! -f "$DATA/recipe.json" ]; then
    # shellcheck disable=SC2086
    $PY dsp/train/build_data.py --out "$DATA" --hours "$HOURS" $SEEDARG \
        --features-tool build/dsp/train/fs-train-features
fi
data_done=$(date +%s)

# shellcheck disable=SC2086
$PY dsp/train/train.py --data "$DATA" --out "$RUN" --epochs "$EPOCHS" --minutes "$MINUTES" $SEEDARG --export
end=$(date +%s)

echo "data: $((data_done - start)) s, training and export: $((end - data_done)) s"
echo "dsp/fs_learned_weights.c is rewritten; rebuild with: meson compile -C build"
