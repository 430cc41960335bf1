#!/usr/bin/env bash
# GPU figures (issue 14): burn's CUDA backend against PyTorch on the same GPU, in one run.
#
#   benches/gpu.sh prepare   here (no GPU needed): release builds with --features cuda of
#                            semcurate and the unet/train benches, stripped into .gpu/
#                            (ignored by git), gzipped: the stripped CUDA build of semcurate
#                            alone is 58 MiB (16 MiB gzipped) and the carry limit is 64 MiB.
#                            The CUDA release build took 21 min on 2 cores, offline.
#   benches/gpu.sh run       on the GPU machine (device tool: carry [".gpu"], its python3
#                            holds PyTorch): makes a synth set with semcurate itself, times
#                            batch predict end to end (images/s), the U-Net forward and one
#                            training step for burn-cuda and PyTorch-cuda, and writes
#                            $OUT/gpu.md (a table with ratios) and $OUT/gpu.jsonl.
#
# Environment: BENCH_WIDTHS (default "16,64"), BENCH_SECONDS (4), GPU_IMAGES (512).
# Dry run without a GPU (checks the prepared binaries and the table, not the figures):
#   GPU_BACKEND=flex TORCH_DEVICE=cpu BENCH_WIDTHS=8 BENCH_SECONDS=1 GPU_IMAGES=32 \
#     OUT=/tmp/gpu-dry benches/gpu.sh run
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case $mode in
prepare)
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/semcurate-target}
  cargo build --release --features cuda
  cargo bench --features cuda --no-run --bench unet --bench train 2>&1 | tee /tmp/gpu-bench-build.log
  mkdir -p .gpu
  grep -q '^/.gpu/' .git/info/exclude 2>/dev/null || echo /.gpu/ >>.git/info/exclude
  strip -o .gpu/semcurate "$CARGO_TARGET_DIR/release/semcurate"
  for b in unet train; do
    exe=$(grep -o "benches/$b.rs ([^)]*)" /tmp/gpu-bench-build.log | sed 's/.*(\(.*\))/\1/')
    strip -o ".gpu/bench-$b" "$exe"
  done
  gzip -9f .gpu/semcurate .gpu/bench-unet .gpu/bench-train
  du -sh .gpu
  ;;
run)
  OUT=${OUT:-/tmp/semcurate-gpu}
  mkdir -p "$OUT" /tmp/gpu-bin
  for f in semcurate bench-unet bench-train; do
    gunzip -c ".gpu/$f.gz" >"/tmp/gpu-bin/$f" && chmod +x "/tmp/gpu-bin/$f"
  done
  jsonl=$OUT/gpu.jsonl
  : >"$jsonl"
  backend=${GPU_BACKEND:-cuda}
  device=${TORCH_DEVICE:-cuda}
  if [ "$backend" = cuda ]; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
  else
    echo "dry run: backend $backend, PyTorch on $device" | tee "$OUT/gpu.txt"
  fi
  widths=${BENCH_WIDTHS:-16,64}
  export BENCH_SECONDS=${BENCH_SECONDS:-4} BENCH_WIDTHS=$widths BENCH_BATCHES=1,16
  # U-Net forward, 256×256, batch 1 and 16.
  BENCH_BACKENDS=$backend /tmp/gpu-bin/bench-unet | grep '^{' >>"$jsonl"
  BENCH_DEVICE=$device python3 benches/unet_torch.py >>"$jsonl"
  # One training step, batch 16 of 128×128 crops.
  BENCH_BACKEND=$backend BENCH_BATCH=16 /tmp/gpu-bin/bench-train | grep '^{' >>"$jsonl"
  BENCH_DEVICE=$device BENCH_BATCH=16 python3 benches/train_torch.py >>"$jsonl"
  # Batch predict end to end (decode, tile, forward, soft-max, margins, store) with the
  # shipped model, on a synth set made here.
  data=/tmp/semcurate-gpu-data
  n=${GPU_IMAGES:-512}
  /tmp/gpu-bin/semcurate synth "$data" --samples 8 --per-sample $((n / 8)) --seed 5 >/dev/null
  start=$(date +%s.%N)
  /tmp/gpu-bin/semcurate predict "$data" --backend "$backend" --batch 16 --quiet
  end=$(date +%s.%N)
  python3 - "$start" "$end" "$n" "$backend" >>"$jsonl" <<'PY'
import json, sys
s, e, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"impl": f"semcurate-predict-{sys.argv[4]}", "images": n, "seconds": round(e - s, 2),
                  "images_per_s": round(n / (e - s), 1)}))
PY
  python3 - "$jsonl" >"$OUT/gpu.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ref = {}
for r in rows:
    if r["impl"].startswith("pytorch"):
        key = ("step" if "ms_per_step" in r else "fwd", r["width"], r["batch"])
        ref[key] = r.get("ms_per_step", r.get("ms_per_image"))
print("| what | implementation | width | batch | ms | ratio to PyTorch |")
print("|---|---|---|---|---|---|")
for r in rows:
    if "images_per_s" in r:
        continue
    kind = "step" if "ms_per_step" in r else "fwd"
    ms = r.get("ms_per_step", r.get("ms_per_image"))
    base = ref.get((kind, r["width"], r["batch"]))
    ratio = f"{ms / base:.2f}" if base else "n/a"
    what = "train step" if kind == "step" else "forward / image"
    print(f"| {what} | {r['impl']} | {r['width']} | {r['batch']} | {ms:.2f} | {ratio} |")
for r in rows:
    if "images_per_s" in r:
        print(f"\nBatch predict end to end: {r['images']} images in {r['seconds']} s, "
              f"{r['images_per_s']} images/s ({r['impl']}, batch 16).")
PY
  cat "$OUT/gpu.md"
  ;;
*)
  echo "usage: benches/gpu.sh prepare|run" >&2
  exit 2
  ;;
esac
