//! The progress bar of a robots run: files and compressed bytes done, on stderr,
//! drawn only when stderr is a terminal (quiet in pipes, tests and CI).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A cheap, cloneable handle on the bar; every method is a no-op when hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
    files: u64,
    done: Arc<AtomicU64>,
}

impl Progress {
    /// A bar for `files` files of `bytes` compressed bytes in all, on stderr if it
    /// is a terminal, hidden otherwise.
    pub fn on_stderr(files: u64, bytes: u64) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(format!("0/{files} files"));
        Progress {
            bar,
            files,
            done: Arc::default(),
        }
    }

    /// A bar that draws nothing.
    ///
    /// ```
    /// let p = spindle_cookbook::robots::progress::Progress::hidden();
    /// p.bytes(10);
    /// p.file_done();
    /// p.finish();
    /// ```
    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
            files: 0,
            done: Arc::default(),
        }
    }

    /// `n` more compressed bytes read.
    pub fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    /// One more file finished (scanned or failed).
    pub fn file_done(&self) {
        if self.bar.is_hidden() {
            return;
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.set_message(format!("{done}/{} files", self.files));
    }

    /// Clears the bar before the results are printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
