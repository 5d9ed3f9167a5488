//! How the pool's idle workers sleep and how a submission wakes one (recipe 12.7),
//! without a lost wake-up and without a system call when every worker is busy.
//!
//! A worker that found no work *announces* itself (`sleepy += 1`), then looks at the
//! queues once more, and only then blocks until it gets a wake token. A submitter
//! pushes its job, then looks at `sleepy`: only when it is non-zero does it *claim*
//! one sleeper (`sleepy -= 1`) and deposit a token under the lock, waking one
//! blocked worker. Both sides put a sequentially consistent fence between their
//! write and their read (the Dekker pattern), so either the worker's second look
//! sees the job or the submitter sees the announcement: a job pushed while the last
//! worker goes to sleep is never left behind.
//!
//! A worker whose second look finds work withdraws its announcement; if a submitter
//! claimed it first, that submitter's token stays for a later sleep, which then
//! returns at once: one spare round of looking, never a missed job. Closing wakes
//! every sleeper for good, so the workers can drain and exit.
//!
//! The same shape as rayon's sleep module and crossbeam's `Parker`, reduced to what a
//! pool of FIFO jobs needs; model-checked in `tests/loom_pool.rs`.

use std::sync::PoisonError;

use super::shim::{fence, AtomicUsize, Condvar, Mutex, Ordering};

/// Wake tokens not yet taken, and whether the pool closed.
#[derive(Debug, Default)]
struct Tokens {
    spare: usize,
    closed: bool,
}

/// The workers' sleep: see the module docs.
#[derive(Debug, Default)]
pub struct Sleep {
    /// Workers that announced they are about to block and no submitter has claimed.
    sleepy: AtomicUsize,
    tokens: Mutex<Tokens>,
    wake: Condvar,
}

impl Sleep {
    /// Nobody asleep.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called by a worker that found no work: announces itself, asks `has_work`
    /// once more, and unless it says yes blocks until a submitter's token or
    /// [`close`](Self::close). Either way the caller then looks for work again.
    pub fn sleep(&self, has_work: impl FnOnce() -> bool) {
        self.sleepy.fetch_add(1, Ordering::SeqCst);
        // Between the announcement and the second look (see the module docs).
        fence(Ordering::SeqCst);
        if has_work() {
            self.withdraw();
            return;
        }
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        while tokens.spare == 0 && !tokens.closed {
            tokens = self
                .wake
                .wait(tokens)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if tokens.spare > 0 {
            tokens.spare -= 1;
        }
    }

    /// Takes back one announcement, unless every one has been claimed already.
    fn withdraw(&self) {
        let mut n = self.sleepy.load(Ordering::SeqCst);
        while n > 0 {
            match self
                .sleepy
                .compare_exchange_weak(n, n - 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(now) => n = now,
            }
        }
    }

    /// Called after a job is pushed: wakes one announced worker, if there is one.
    /// Costs a fence and a load when nobody sleeps.
    pub fn wake_one(&self) {
        // Between the push and the look at `sleepy` (see the module docs).
        fence(Ordering::SeqCst);
        let mut n = self.sleepy.load(Ordering::SeqCst);
        while n > 0 {
            match self
                .sleepy
                .compare_exchange_weak(n, n - 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => {
                    let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
                    tokens.spare += 1;
                    drop(tokens);
                    self.wake.notify_one();
                    return;
                }
                Err(now) => n = now,
            }
        }
    }

    /// Wakes every sleeper now and for good: later [`sleep`](Self::sleep)s return
    /// at once.
    pub fn close(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.closed = true;
        drop(tokens);
        self.wake.notify_all();
    }
}
