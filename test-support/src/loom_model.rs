//! The loom model runner every `core/tests/loom_*.rs` uses (only built under
//! `--cfg loom`, i.e. by `ci/loom.sh`).

use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The preemption bound used when `LOOM_MAX_PREEMPTIONS` is not set: an unbounded
/// search of spindle's models takes far too long, and 2 finds every bug the models
/// were written for.
pub const DEFAULT_PREEMPTIONS: usize = 2;

/// Runs `f` under `loom::model` with a preemption bound of [`DEFAULT_PREEMPTIONS`]
/// unless `LOOM_MAX_PREEMPTIONS` says otherwise, and reports on stderr (see it with
/// `--nocapture`) where the model is, how many interleavings it explored and how
/// long that took.
#[track_caller]
pub fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    model_with_bound(DEFAULT_PREEMPTIONS, f);
}

/// [`model`] with another default preemption bound, for models small enough to
/// afford a deeper search (still overridden by `LOOM_MAX_PREEMPTIONS`).
#[track_caller]
pub fn model_with_bound<F: Fn() + Sync + Send + 'static>(default_bound: usize, f: F) {
    let caller = Location::caller();
    let mut builder = loom::model::Builder::new();
    // `Builder::new` reads LOOM_MAX_PREEMPTIONS; only fill in a missing bound.
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(default_bound);
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let start = Instant::now();
    builder.check(move || {
        counted.fetch_add(1, Ordering::Relaxed);
        f()
    });
    eprintln!(
        "loom model at {caller}: {} interleavings in {:.2?}",
        runs.load(Ordering::Relaxed),
        start.elapsed()
    );
}
