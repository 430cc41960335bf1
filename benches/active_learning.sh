#!/usr/bin/env bash
# Active-learning simulation (issue 12): strategies against random and stratified random
# picking, 3 seeds, the synthetic ground truth as oracle. About 30 min on 2 cores.
#   benches/active_learning.sh [WORKDIR]      (default /tmp/semcurate-al; results.json there)
# Environment: AL_SEEDS=1,2,3 AL_ROUNDS=2 AL_STRATEGIES=random,stratified,entropy,rare-boost,diverse
set -euo pipefail
cd "$(dirname "$0")/.."
export AL_DIR=${1:-/tmp/semcurate-al}
cargo build --release --quiet
export SEMCURATE=${CARGO_TARGET_DIR:-target}/release/semcurate
python3 benches/active_learning.py
python3 docs/plot_active_learning.py "$AL_DIR/results.json" docs/active_learning.svg > "$AL_DIR/table.md"
cat "$AL_DIR/table.md"
