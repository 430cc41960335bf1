//! Drives the real `semcurate` binary in tmux, as a user over SSH would: open a dataset, move,
//! toggle overlays, open the audit and the queue, follow a queued image, quit; checks the
//! captured screens and that the shell is left clean. Skipped (with a note) where tmux is not
//! installed.
#![allow(clippy::unwrap_used)]
// Scripts of steps against one fixture: src/ is held to 60 lines a function (Cargo.toml,
// clippy.toml), tests and benches are not.
#![allow(clippy::too_many_lines)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use semcurate::dataset::ClassSchema;

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(cmd: &str, w: u16, h: u16) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("semcurate-test-{}-{w}-{n}", std::process::id());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux could not start");
        Self { session }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.session, k])
                .status()
                .unwrap();
            // Separate keys so that `Escape` followed by a letter is not read as alt-letter.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen contains `text`; fails with the last screen after `secs`.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "screen never showed {text:?}; last screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn session_in(dir: &Path, w: u16, h: u16) -> Tmux {
    let data = dir.join("data");
    let model = dir.join("model");
    let exit = dir.join("exit");
    let cmd = format!(
        // The exit line is written to a side file and renamed, so a reader never sees it
        // created but still empty (a race that failed this test once on a loaded machine).
        "{} '{}' --model '{}' --no-mouse --colours 256 2>'{}'; echo EXIT=$? > '{exit}.tmp'; mv '{exit}.tmp' '{exit}'; sleep 30",
        env!("CARGO_BIN_EXE_semcurate"),
        data.display(),
        model.display(),
        dir.join("stderr").display(),
        exit = exit.display()
    );
    Tmux::start(&cmd, w, h)
}

fn exit_line(dir: &Path) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(s) = std::fs::read_to_string(dir.join("exit")) {
            return s.trim().to_string();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("semcurate did not exit");
}

#[test]
fn a_user_session_in_tmux_at_160x48_and_80x24() {
    if !have_tmux() {
        eprintln!("tmux is not installed: skipping the tmux-driven TUI test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    common::synth_small(&tmp.path().join("data"));
    common::tiny_model(&tmp.path().join("model"), ClassSchema::default(), 3, 1.0);

    let t = session_in(tmp.path(), 160, 48);
    // A small dataset without predictions is predicted automatically on first open.
    t.wait_for("predicted", 60);
    let s = t.wait_for("mIoU", 10);
    assert!(s.contains("1 Browse") && s.contains("model "), "{s}");
    t.keys(&["j", "j", "Enter"]);
    let s = t.wait_for("legend", 10);
    assert!(s.contains("class      mask%  pred%  IoU"), "{s}");
    t.keys(&["m"]);
    t.wait_for("· mask", 5);
    t.keys(&["e"]);
    t.wait_for("· errors", 5);
    t.keys(&["t"]);
    let s = t.wait_for("┌ prediction", 5);
    assert!(s.contains("┌ image") && s.contains("┌ mask"), "{s}");
    t.keys(&["+", "l", "l"]);
    t.wait_for("cursor (", 5);
    t.keys(&["3"]);
    let s = t.wait_for("confusion % of true class", 10);
    assert!(s.contains("IoU per class per bin"), "{s}");
    t.keys(&["b"]);
    t.wait_for("bin 0:", 5);
    t.keys(&["4"]);
    let s = t.wait_for("review queue", 5);
    assert!(
        !s.contains("· 0 images (S strategy)"),
        "the queue is empty:\n{s}"
    );
    t.keys(&["r"]);
    t.wait_for("reviewed by", 5);
    t.keys(&["Enter"]);
    t.wait_for("legend", 5);
    t.keys(&["5"]);
    t.wait_for("pixel sizes", 5);
    t.keys(&["?"]);
    t.wait_for("global keys", 5);
    t.keys(&["Escape", "q"]);
    assert_eq!(exit_line(tmp.path()), "EXIT=0");
    let s = t.screen();
    assert!(!s.contains("1 Browse"), "the TUI is still on screen:\n{s}");
    drop(t);

    // Again at 80×24: the same workspace, so predictions are stored and the list has mIoU.
    std::fs::remove_file(tmp.path().join("exit")).unwrap();
    let t = session_in(tmp.path(), 80, 24);
    t.wait_for("mIoU", 10);
    t.keys(&["Enter", "o"]);
    t.wait_for("· errors", 5);
    t.keys(&["3"]);
    t.wait_for("confusion", 10);
    t.keys(&["q"]);
    assert_eq!(exit_line(tmp.path()), "EXIT=0");
    let stderr = std::fs::read_to_string(tmp.path().join("stderr")).unwrap();
    assert!(stderr.trim().is_empty(), "stderr: {stderr}");
}

#[test]
fn without_a_terminal_the_tui_says_what_to_use_instead() {
    common::semcurate()
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the terminal UI needs a terminal",
        ))
        .stderr(predicates::str::contains("semcurate stats DATASET"));
}

/// The pid of the `semcurate` process running in the tmux session.
fn semcurate_pid(t: &Tmux) -> String {
    let out = Command::new("tmux")
        .args(["list-panes", "-t", &t.session, "-F", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = Command::new("pgrep")
        .args(["-P", &shell, "semcurate"])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !pid.is_empty(),
        "no semcurate process under the pane's shell {shell}"
    );
    pid
}

#[test]
fn strokes_committed_before_a_kill_9_are_there_after_restart() {
    if !have_tmux() {
        eprintln!("tmux is not installed: skipping the tmux-driven kill test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::synth_small(&data);
    common::tiny_model(&tmp.path().join("model"), ClassSchema::default(), 3, 1.0);
    let before = common::snapshot(&data);

    let t = session_in(tmp.path(), 160, 48);
    t.wait_for("predicted", 60);
    t.wait_for("mIoU", 10);
    t.keys(&["j", "j", "Enter"]);
    let s = t.wait_for("legend", 10);
    let title = s
        .lines()
        .find_map(|l| {
            l.split('│')
                .find(|c| c.contains(" / ") && c.contains("_s0"))
        })
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    assert!(title.contains(" / "), "the image title: {s}");
    t.keys(&["i", "3", "Space"]);
    t.wait_for("all edits saved", 10);
    t.keys(&["l", "l", "l", "j", "Space"]);
    t.wait_for("all edits saved", 10);
    // An open paint-mode stroke: not committed, may be lost.
    t.keys(&["b", "l", "l"]);
    t.wait_for("PAINT", 5);
    let pid = semcurate_pid(&t);
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    let line = exit_line(tmp.path());
    assert_eq!(line, "EXIT=137", "killed by SIGKILL");
    drop(t);

    // The workspace has exactly the two committed strokes; the dataset is untouched.
    assert_eq!(
        common::snapshot(&data),
        before,
        "the dataset's files are unchanged"
    );
    let ws = semcurate::dataset::workspace::Workspace::open(&data.join(".semcurate")).unwrap();
    let counts = ws.edit_counts().unwrap();
    assert_eq!(counts.len(), 1, "one image edited: {counts:?}");
    let (&id, c) = counts.iter().next().unwrap();
    assert_eq!(c.ops, 2, "two committed strokes");
    let row = ws
        .images()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    let mask = semcurate::dataset::load::load_mask(&data, &row, &ClassSchema::default())
        .unwrap()
        .unwrap();
    let edits = semcurate::labels::journal::load_edits(&ws, &row, Some(&mask), (48, 48))
        .unwrap()
        .unwrap();
    let session = edits.session.unwrap();
    let edited = session.changed_pixels();
    assert!(edited > 0);
    drop(ws);

    // Reopened: the image shows its edits, all saved.
    std::fs::remove_file(tmp.path().join("exit")).unwrap();
    let t = session_in(tmp.path(), 160, 48);
    t.wait_for("mIoU", 10);
    t.keys(&["j", "j", "Enter"]);
    let s = t.wait_for("px edited", 10);
    assert!(s.contains(&format!("{edited} px edited")), "{s}");
    assert!(
        s.contains("all edits saved") && s.contains(&title),
        "{title}\n{s}"
    );
    assert!(s.contains("corrected by"), "{s}");
    t.keys(&["q"]);
    assert_eq!(exit_line(tmp.path()), "EXIT=0");
}

/// Labelling from nothing with no readable model: a blank mask, two scribbles, the live
/// assist's proposal, accept all, saved, and an export holding the whole mask.
#[test]
fn a_tile_is_labelled_from_nothing_with_no_model() {
    if !have_tmux() {
        eprintln!("tmux is not installed: skipping the tmux-driven TUI test");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    // Left half dark (class 1), right half bright (class 2): 32×32, 2 µm/px, no mask file.
    let (w, mut grey, mut truth) = (32u32, Vec::new(), Vec::new());
    for y in 0..w {
        for x in 0..w {
            let bright = x >= w / 2;
            grey.push(if bright { 190 } else { 50 } + ((x * 5 + y * 3) % 7) as u8);
            truth.push(if bright { 2u8 } else { 1 });
        }
    }
    let png = common::png(w, w, png::ColorType::Grayscale, png::BitDepth::Eight, &grey);
    common::write(&data.join("10003/input-images/s1-a.png"), &png);
    common::write(
        &data.join("10003/input-features/s1-a.txt"),
        &common::features("2"),
    );
    let s = session_in(t.path(), 120, 36);
    s.wait_for("no model", 30);
    s.keys(&["Enter", "i"]);
    s.wait_for("made from nothing", 30);
    // A stamp of class 1 on the left, one of class 2 on the right (cursor starts at 16,16).
    s.keys(&[
        "1", "h", "h", "h", "h", "h", "h", "h", "h", "h", "h", "Space",
    ]);
    s.keys(&["2"]);
    s.keys(&vec!["l"; 20]);
    s.keys(&["Space", "T"]);
    s.wait_for(
        "assist: 42 px of this image (no other image has labels)",
        60,
    );
    s.keys(&["A"]);
    s.wait_for("1024 px edited", 30);
    s.wait_for("all edits saved", 30);
    s.keys(&["Escape", "q"]);
    assert_eq!(exit_line(t.path()), "EXIT=0");
    let out = t.path().join("out");
    common::export_ok(&data, &out, &["--quiet"]);
    let (_, _, mask) = common::read_grey(&out.join("10003/output-images/s1-a.png"));
    let right = mask.iter().zip(&truth).filter(|(a, b)| a == b).count();
    assert!(right >= 950, "{right} of 1024 pixels as the phases are");
}
