#!/usr/bin/env bash
# TUI first frame of the real binary (SPEC 5: ≤ 0.3 s on a 16,000-image dataset with a warm
# index), measured in tmux: time from launch until the header is on screen, polling the pane
# every 5 ms (so figures carry up to ~5 ms of polling delay and tmux's own redraw). Then the
# peak RSS after the background re-index and a walk through every screen.
#   benches/tui.sh [DATA WORKSPACE]   (default: benches/index.sh's /tmp/semcurate-bench)
# In-process figures (keypress to frame, next image): cargo bench --bench tui.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/tmp/semcurate-bench/data}
WS=${2:-/tmp/semcurate-bench/ws}
BIN=${CARGO_TARGET_DIR:-target}/release/semcurate
cargo build --release --quiet
[ -d "$WS" ] || { echo "no workspace at $WS: run benches/index.sh first" >&2; exit 2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
runs=()
for i in 1 2 3 4 5; do
    tmux kill-session -t bench 2>/dev/null || true
    t0=$(now_ms)
    # The model goes on the command line: a running tmux server keeps its own environment.
    tmux new-session -d -s bench -x 160 -y 48 \
        "$BIN '$DATA' --workspace '$WS' --no-mouse ${SEMCURATE_MODEL:+--model '$SEMCURATE_MODEL'}"
    until tmux capture-pane -p -t bench 2>/dev/null | grep -q "1 Browse"; do sleep 0.005; done
    runs+=($(( $(now_ms) - t0 )))
    if [ "$i" = 5 ]; then
        # Let the background re-index finish, then visit every screen and read the peak RSS.
        until ! tmux capture-pane -p -t bench | grep -q "indexing…"; do sleep 0.1; done
        for k in Enter t t m e 4 5 1 j j j 3; do tmux send-keys -t bench "$k"; sleep 0.2; done
        # The audit of every predicted image loads in the background: wait for it (≤ 20 s).
        for _ in $(seq 200); do
            tmux capture-pane -p -t bench | grep -q "confusion % of true class" && break
            sleep 0.1
        done
        pid=$(pgrep -n -f -- "--workspace $WS --no-mouse")
        rss=$(grep VmHWM "/proc/$pid/status" | awk '{print $2}')
    fi
    tmux send-keys -t bench q
    sleep 0.3
done
sorted=$(printf '%s\n' "${runs[@]}" | sort -n)
echo "first frame (ms), 5 runs: $(echo $sorted | tr '\n' ' ')  median $(echo "$sorted" | sed -n 3p)"
echo "peak RSS after re-index, audit overview and all screens: $((rss / 1024)) MB"
