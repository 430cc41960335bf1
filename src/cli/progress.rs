//! Progress on stderr: a bar when stderr is a terminal; otherwise a plain line at most every
//! few seconds (and a closing line when a stage took that long), so logs stay short.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Progress;

const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Renders [`Progress`] for the command line.
pub struct CliProgress {
    quiet: bool,
    tty: bool,
    bar: Mutex<Option<ProgressBar>>,
    plain: Mutex<Plain>,
    done: AtomicU64,
    total: AtomicU64,
}

struct Plain {
    stage: String,
    started: Instant,
    last: Instant,
    printed: bool,
}

impl CliProgress {
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
        }
    }
}

impl Progress for CliProgress {
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
                "{prefix:>8} [{bar:40}] {pos}/{len} ({percent}%) eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

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
            }
        } else if let Ok(mut p) = self.plain.lock()
            && p.last.elapsed() >= PLAIN_EVERY
        {
            p.last = Instant::now();
            p.printed = true;
            eprintln!("{}: {done}/{}", p.stage, self.total.load(Ordering::Relaxed));
        }
    }

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
