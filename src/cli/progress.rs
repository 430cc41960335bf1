//! Progress on stderr: a bar when stderr is a terminal; otherwise a plain line at most every
//! few seconds (and a closing line when a stage took that long), so logs stay short.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Progress;

/// Least time between two plain lines when stderr is not a terminal (a log file, a batch job).
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Renders [`Progress`] for the command line.
pub struct CliProgress {
    /// `--quiet`: nothing is printed, counts are still kept.
    quiet: bool,
    /// Whether stderr is a terminal (decided once, at creation).
    tty: bool,
    /// The current stage's bar, terminal only; `None` between stages or for a stage of unknown
    /// length.
    bar: Mutex<Option<ProgressBar>>,
    /// The current stage's plain-line state, used when stderr is not a terminal.
    plain: Mutex<Plain>,
    /// Steps done and the stage's total (0 when unknown).
    done: AtomicU64,
    total: AtomicU64,
    /// The bar shows the tiles of an image (cleared when the image is done).
    tiles_shown: AtomicBool,
}

/// Plain-line state of one stage.
struct Plain {
    /// The stage's name, as given to `begin`.
    stage: String,
    /// When the stage began, for the closing line's duration.
    started: Instant,
    /// When the last plain line went out.
    last: Instant,
    /// Whether any line was printed for the stage: only then is a closing line printed.
    printed: bool,
}

impl CliProgress {
    /// Progress on this process's stderr; `quiet` prints nothing.
    pub fn new(quiet: bool) -> Self {
        let now = Instant::now();
        Self {
            quiet,
            tty: std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
            plain: Mutex::new(Plain {
                stage: String::new(),
                started: now,
                last: now,
                printed: false,
            }),
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            tiles_shown: AtomicBool::new(false),
        }
    }
}

impl Progress for CliProgress {
    /// Starts stage `stage` of `total` steps: a bar on a terminal (none for an unknown total, 0),
    /// else resets the plain-line state.
    fn begin(&self, stage: &str, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        if let Ok(mut p) = self.plain.lock() {
            let now = Instant::now();
            *p = Plain {
                stage: stage.to_string(),
                started: now,
                last: now,
                printed: false,
            };
        }
        if self.quiet || !self.tty || total == 0 {
            return;
        }
        let bar = ProgressBar::new(total).with_prefix(stage.to_string());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:40}] {pos}/{len} ({percent}%) eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    /// Counts `n` steps: moves the bar, or prints a plain line when [`PLAIN_EVERY`] has passed.
    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if self.quiet {
            return;
        }
        if self.tty {
            if let Ok(b) = self.bar.lock()
                && let Some(bar) = b.as_ref()
            {
                bar.inc(n);
                if self.tiles_shown.swap(false, Ordering::Relaxed) {
                    bar.set_message("");
                }
            }
        } else if let Ok(mut p) = self.plain.lock()
            && p.last.elapsed() >= PLAIN_EVERY
        {
            p.last = Instant::now();
            p.printed = true;
            let total = self.total.load(Ordering::Relaxed);
            eprintln!("{}", plain_line(&p.stage, done, total, None));
        }
    }

    /// Shows the tile count inside the current image (`done` of `total` tiles) next to the bar,
    /// or in a plain line; cleared at the next image.
    fn within(&self, done: u64, total: u64) {
        if self.quiet {
            return;
        }
        if self.tty {
            if let Ok(b) = self.bar.lock()
                && let Some(bar) = b.as_ref()
            {
                bar.set_message(tiles_text(done, total));
                self.tiles_shown.store(true, Ordering::Relaxed);
            }
        } else if let Ok(mut p) = self.plain.lock()
            && p.last.elapsed() >= PLAIN_EVERY
        {
            p.last = Instant::now();
            p.printed = true;
            let (images, all) = (
                self.done.load(Ordering::Relaxed),
                self.total.load(Ordering::Relaxed),
            );
            eprintln!("{}", plain_line(&p.stage, images, all, Some((done, total))));
        }
    }

    /// Clears the bar; without a terminal, ends a stage that printed with `STAGE: N done in S s`.
    fn end(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
        if !self.quiet
            && !self.tty
            && let Ok(p) = self.plain.lock()
            && p.printed
        {
            eprintln!(
                "{}: {} done in {:.1} s",
                p.stage,
                self.done.load(Ordering::Relaxed),
                p.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Progress inside one large image.
fn tiles_text(done: u64, total: u64) -> String {
    format!("tiles {done}/{total} of this image")
}

/// A plain progress line: `predict: 3/10`, with the tiles of the image being worked on when
/// it is a large one.
fn plain_line(stage: &str, done: u64, total: u64, tiles: Option<(u64, u64)>) -> String {
    match tiles {
        Some((d, t)) => format!("{stage}: {done}/{total}, {}", tiles_text(d, t)),
        None => format!("{stage}: {done}/{total}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_shows_the_tiles_of_a_large_image() {
        assert_eq!(plain_line("predict", 3, 10, None), "predict: 3/10");
        assert_eq!(
            plain_line("predict", 0, 1, Some((120, 1500))),
            "predict: 0/1, tiles 120/1500 of this image"
        );
    }
}
