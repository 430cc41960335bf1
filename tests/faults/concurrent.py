#!/usr/bin/env python3
"""Several processes on one workspace at once (issue 15, part 3): in each round, `predict`,
`export`, `audit`, `queue`, `index` and `stats` start together on the same dataset (and, with
tmux present, a TUI is open on it throughout). Every process must end with exit 0 or 1, no
raw SQLite error may reach stderr, and at the end the predictions must equal a clean
single-process run's, byte for byte (no work lost, none half done).

    tests/faults/concurrent.py SEMCURATE_BINARY [ROUNDS]   (default 20)
"""
import json, os, shutil, sqlite3, subprocess, sys, tempfile, time

BIN = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
D = tempfile.mkdtemp(prefix="semcurate-conc.")
data, ref = os.path.join(D, "data"), os.path.join(D, "ref")
RAW = ("database is locked", "SQLITE_BUSY", "sqlite3", "rusqlite", "panicked")


def run(*a):
    return subprocess.run([BIN, *a], capture_output=True, text=True)


def predictions(db):
    c = sqlite3.connect(db)
    rows = c.execute("""SELECT i.image_path, p.image_fp, p.classes, p.margin, p.per_class
        FROM predictions p JOIN images i ON i.id = p.image_id ORDER BY i.image_path""").fetchall()
    c.close()
    return rows


run("synth", data, "--samples", "3", "--per-sample", "10", "--unlabelled", "4", "--size", "256",
    "--seed", "2", "--quiet")
tui = shutil.which("tmux") is not None
if tui:
    subprocess.run(["tmux", "new", "-d", "-s", "semcurate-conc", "-x", "160", "-y", "48",
                    f"{BIN} {data}"], check=True)
    time.sleep(2)
jobs = {
    "predict": ["predict", data, "--redo", "--quiet"],
    "export": ["export", data, os.path.join(D, "out"), "--force", "--quiet"],
    "audit": ["audit", data, "--json", "--quiet"],
    "queue": ["queue", data, "--json", "--quiet"],
    "index": ["index", data, "--full", "--quiet"],
    "stats": ["stats", data, "--json", "--quiet"],
}
failures, started = [], time.time()
for r in range(ROUNDS):
    procs = {n: subprocess.Popen([BIN, *a], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for n, a in jobs.items()}
    for n, p in procs.items():
        _, err = p.communicate()
        if p.returncode not in (0, 1) or any(s in err for s in RAW):
            # audit/queue before anything is predicted say so and exit 2: that is not a fault.
            if "run `semcurate predict` first" in err or "no prediction" in err:
                continue
            failures.append({"round": r, "job": n, "code": p.returncode, "stderr": err[-400:]})
if tui:
    alive = subprocess.run(["tmux", "has-session", "-t", "semcurate-conc"]).returncode == 0
    screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", "semcurate-conc"],
                            capture_output=True, text=True).stdout
    subprocess.run(["tmux", "kill-session", "-t", "semcurate-conc"])
    if not alive or any(s in screen for s in RAW):
        failures.append({"job": "tui", "screen": screen[-600:]})
run("predict", data, "--quiet")
shutil.copytree(data, os.path.join(D, "clean"), ignore=shutil.ignore_patterns(".semcurate"))
run("predict", os.path.join(D, "clean"), "--workspace", ref, "--quiet")
got = predictions(os.path.join(data, ".semcurate", "index.sqlite"))
want = predictions(os.path.join(ref, "index.sqlite"))
lost = [] if got == want else [f"{len(got)} vs {len(want)} predictions, {sum(a != b for a, b in zip(got, want))} differ"]
print(json.dumps({"rounds": ROUNDS, "processes": ROUNDS * len(jobs), "tui_open": tui,
                  "failures": failures, "lost": lost, "predictions": len(got),
                  "seconds": round(time.time() - started)}, indent=1))
shutil.rmtree(D)
sys.exit(1 if failures or lost else 0)
