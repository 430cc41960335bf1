#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine (issue 15): munged, slurmctld and slurmd on
# localhost from Debian's slurm-wlm and munge, all state in a temporary folder. Submits the
# script of `semcurate slurm predict --array 4` over a synthetic dataset, kills one task
# midway (SIGKILL while its part is half written), checks that `merge` names that shard,
# resubmits it alone, merges, and checks the result equals a single-process predict, byte for
# byte. Prints the timings. Needs root (the daemons run as root here), slurm-wlm, munge and
# python3.
#   tests/slurm/run.sh [SEMCURATE_BINARY]   (default: a release build of this checkout)
# PER_SAMPLE (default 100) sets the dataset size: 4 samples of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-}
if [ -z "$BIN" ]; then
    cargo build --release --quiet
    BIN=$(pwd)/${CARGO_TARGET_DIR:-target}/release/semcurate
fi
for tool in munged slurmctld slurmd sbatch python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install slurm-wlm munge)" >&2; exit 2; }
done
D=$(mktemp -d /tmp/semcurate-slurm.XXXXXX)
chmod 755 "$D"
cleanup() {
    [ -f "$D/slurmd.pid" ] && kill "$(cat "$D/slurmd.pid")" 2>/dev/null || true
    [ -f "$D/slurmctld.pid" ] && kill "$(cat "$D/slurmctld.pid")" 2>/dev/null || true
    [ -f "$D/munged.pid" ] && kill "$(cat "$D/munged.pid")" 2>/dev/null || true
    sleep 1
    [ -n "${KEEP:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
host=$(hostname -s)
dd if=/dev/urandom of="$D/munge.key" bs=1024 count=1 status=none
chmod 400 "$D/munge.key"
munged -f --key-file="$D/munge.key" --socket="$D/munge.sock" --pid-file="$D/munged.pid" \
    --log-file="$D/munged.log" --seed-file="$D/munged.seed"
mkdir -p "$D/state" "$D/spool"
cat > "$D/slurm.conf" <<CONF
ClusterName=semcurate-test
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$D/slurm.conf
slurmctld
slurmd
for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o "%P %T %c" | grep -q idle || { echo "the cluster did not come up" >&2; tail "$D/slurmctld.log" "$D/slurmd.log" >&2; exit 1; }
echo "cluster up: $(sinfo -h -o '%P %T %c CPUs')"

data=$D/data
per=${PER_SAMPLE:-100}
"$BIN" synth "$data" --samples 4 --per-sample "$per" --size 256 --seed 3 --quiet
t0=$(date +%s.%N)
"$BIN" predict "$data" --workspace "$D/ref" --quiet >/dev/null
t1=$(date +%s.%N)
"$BIN" slurm predict "$data" --array 4 --cpus-per-task 1 --time 00:20:00 --quiet
script=$(ls "$data"/.semcurate/parts/*.sbatch)
job=$(sbatch --parsable "$script")
echo "submitted array $job"
# Kill task 2 once its part holds some committed predictions but not all.
part_count() {
    python3 - "$1" <<'PY'
import sqlite3, sys, glob
paths = glob.glob(sys.argv[1])
if not paths:
    print(-1); sys.exit()
try:
    c = sqlite3.connect(f"file:{paths[0]}?mode=ro", uri=True, timeout=0.05)
    print(c.execute("SELECT count(*) FROM predictions").fetchone()[0])
except Exception:
    print(-1)
PY
}
killed=no
for _ in $(seq 600); do
    n=$(part_count "$data/.semcurate/parts/predict-*-2of4/index.sqlite")
    if [ "$n" -ge 8 ]; then
        scancel --signal=KILL "${job}_2" && killed="yes, after $n predictions"
        break
    fi
    sleep 0.1
done
echo "task 2 killed: $killed"
while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 0.5; done
t2=$(date +%s.%N)
set +e
"$BIN" merge "$data" --quiet > "$D/merge1.txt"
first=$?
set -e
cat "$D/merge1.txt"
[ "$killed" = no ] || [ "$first" -eq 1 ] || { echo "FAIL: merge did not name the killed shard" >&2; exit 1; }
job2=$(sbatch --parsable --array=2 "$script")
while squeue -h -j "$job2" 2>/dev/null | grep -q .; do sleep 0.5; done
"$BIN" merge "$data" --quiet
python3 - "$D/ref/index.sqlite" "$data/.semcurate/index.sqlite" "$per" <<'PY'
import sqlite3, sys
q = """SELECT i.image_path, p.model, p.image_fp, p.width, p.height, p.bin, p.used_bin, p.classes,
       p.margin, p.disagreement, p.mc_passes, p.per_class, p.mean_margin
       FROM predictions p JOIN images i ON i.id = p.image_id ORDER BY i.image_path, p.model"""
a = sqlite3.connect(sys.argv[1]).execute(q).fetchall()
b = sqlite3.connect(sys.argv[2]).execute(q).fetchall()
assert len(a) == int(sys.argv[3]) * 4, len(a)
assert a == b, f"{sum(x != y for x, y in zip(a, b))} predictions differ, {len(a)} vs {len(b)}"
print(f"OK: {len(b)} merged predictions equal the single-process ones, byte for byte")
PY
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
print(f"single process: {t1 - t0:.1f} s; array of 4 (1 CPU each, one task killed): {t2 - t1:.1f} s to the first merge")
PY
