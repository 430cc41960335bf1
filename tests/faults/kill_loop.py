#!/usr/bin/env python3
"""kill -9 at random points of index, predict, export, import, shard predict and merge, in a
loop (issue 15, part 3). After every kill the workspace must pass `PRAGMA integrity_check` and
open; at the end every command is run to completion once more, and the predictions must equal
a clean single-process predict byte for byte, the import must have added each raw file's tiles
exactly once, and the last export must be complete.

    tests/faults/kill_loop.py SEMCURATE_BINARY [KILLS] [SEED]   (default 200 kills, seed 1)

Prints one line per 20 kills and a summary: kills per command, integrity failures, lost work.
"""
import json, os, random, shutil, sqlite3, subprocess, sys, tempfile, time

BIN = os.path.abspath(sys.argv[1])
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
D = tempfile.mkdtemp(prefix="semcurate-kill.")
data, ref, out, raw = (os.path.join(D, x) for x in ("data", "ref", "out", "raw"))


def run(*args, check=True):
    r = subprocess.run([BIN, *args], capture_output=True, text=True)
    if check and r.returncode not in (0, 1):
        sys.exit(f"FAIL: {' '.join(args)} exited {r.returncode}: {r.stderr[-800:]}")
    return r


def integrity(db):
    c = sqlite3.connect(db, timeout=60)
    ok = c.execute("PRAGMA integrity_check").fetchone()[0]
    c.close()
    return ok


def predictions(db):
    c = sqlite3.connect(db)
    rows = c.execute("""SELECT i.image_path, p.model, p.image_fp, p.width, p.height, p.bin, p.used_bin,
        p.classes, p.margin, p.disagreement, p.mc_passes, p.per_class, p.mean_margin
        FROM predictions p JOIN images i ON i.id = p.image_id ORDER BY i.image_path""").fetchall()
    c.close()
    return rows


run("synth", data, "--samples", "3", "--per-sample", "12", "--unlabelled", "6", "--size", "256",
    "--seed", "4", "--quiet")
# Raw "microscope" files to import: unlabelled tiles of a second synthetic set, 512² each.
run("synth", raw, "--samples", "1", "--per-sample", "0", "--unlabelled", "4", "--size", "512",
    "--seed", "9", "--quiet")
raws = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(raw) for f in fs
              if f.endswith(".png") and "input-images" in dp)
ws = os.path.join(data, ".semcurate")
db = os.path.join(ws, "index.sqlite")
run("index", data, "--quiet")

commands = {
    "index": lambda: ["index", data, "--full", "--quiet"],
    "predict": lambda: ["predict", data, "--redo", "--quiet"],
    "export": lambda: ["export", data, out, "--force", "--quiet"],
    "import": lambda: ["import", *raws, "--into", data, "--sample", "70017", "--pixel-size", "0.8",
                       "--quiet"],
    "shard": lambda: ["predict", data, "--shard", f"{rng.randrange(2)}/2", "--quiet"],
    "merge": lambda: ["merge", data, "--quiet"],
}
# How long each command takes when left alone: kills land at a uniform point of that.
took = {}
for name, cmd in commands.items():
    t = time.time()
    run(*cmd())
    took[name] = time.time() - t
kills = {k: 0 for k in commands}
bad = []
started = time.time()
for i in range(1, KILLS + 1):
    name = rng.choice(list(commands))
    p = subprocess.Popen([BIN, *commands[name]()], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(rng.uniform(0.0, took[name]))
    if p.poll() is None:
        p.kill()
        kills[name] += 1
    p.wait()
    for f in [db] + [os.path.join(ws, "parts", d, "index.sqlite")
                     for d in (os.listdir(os.path.join(ws, "parts")) if os.path.isdir(os.path.join(ws, "parts")) else [])]:
        if os.path.exists(f):
            res = integrity(f)
            if res != "ok":
                bad.append((i, name, f, res))
    if i % 20 == 0:
        print(f"{i} runs, {sum(kills.values())} killed, {len(bad)} integrity failures, {time.time() - started:.0f} s", flush=True)

# Finish everything, then check nothing was lost or done twice.
run("import", *raws, "--into", data, "--sample", "70017", "--pixel-size", "0.8", "--quiet")
run("index", data, "--quiet")
for k in range(2):
    run("predict", data, "--shard", f"{k}/2", "--quiet")
run("merge", data, "--quiet")
run("predict", data, "--quiet")
e = run("export", data, out, "--force", "--quiet", "--json")
export = json.loads(e.stdout)
shutil.copytree(data, os.path.join(D, "clean"), ignore=shutil.ignore_patterns(".semcurate"))
run("predict", os.path.join(D, "clean"), "--workspace", ref, "--quiet")
got, want = predictions(db), predictions(os.path.join(ref, "index.sqlite"))
lost = []
if got != want:
    lost.append(f"predictions differ from a clean run: {len(got)} vs {len(want)}, "
                f"{sum(a != b for a, b in zip(got, want))} rows differ")
c = sqlite3.connect(db)
tiles = c.execute("SELECT count(*) FROM import_tiles").fetchone()[0]
sources = c.execute("SELECT count(*) FROM import_sources").fetchone()[0]
on_disk = len([f for f in os.listdir(os.path.join(data, "70017", "input-images")) if "-x" in f])
c.close()
if sources != len(raws):
    lost.append(f"{sources} import sources recorded for {len(raws)} raw files")
if tiles != on_disk:
    lost.append(f"{tiles} tiles recorded, {on_disk} on disk")
print(json.dumps({
    "runs": KILLS, "killed": kills, "seconds_alone": {k: round(v, 2) for k, v in took.items()}, "integrity_failures": bad, "lost": lost,
    "predictions": len(got), "import_tiles": tiles, "exported": export.get("written", export.get("images")),
    "seconds": round(time.time() - started),
}, indent=1))
shutil.rmtree(D)
sys.exit(1 if bad or lost else 0)
