//! The pool's submission gate (recipe 12.7): refuses submissions once shutdown has
//! begun, and tells the workers and a cancelling shutdown when no submission is
//! still half-way into a queue.
//!
//! The job queues are lock-free (`crossbeam-deque`), so "closed" cannot be a flag
//! checked under the queue's lock as it used to be. Instead one word holds a
//! `CLOSED` bit and the number of submitters between "passed the gate" and "job
//! pushed". A submitter enters by adding one submitter and reading the bit (if it
//! was closed it leaves and is refused), pushes, then leaves. Closing sets the bit;
//! once the word reads `CLOSED` alone, every job that will ever be queued is
//! queued, and every later submission is refused: a worker may exit when it then
//! finds the queues empty, and `cancel_pending` may drain them.

use super::shim::{AtomicUsize, Ordering};

const CLOSED: usize = 1;
/// One submitter in the gate.
const ONE: usize = 2;

/// Closed bit plus in-flight submitters: see the module docs.
#[derive(Debug)]
pub struct Gate {
    word: AtomicUsize,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    /// An open gate with nobody in it.
    pub fn new() -> Self {
        Self {
            word: AtomicUsize::new(0),
        }
    }

    /// Enters the gate: `false` (and nothing to undo) if it is closed. After `true`,
    /// push the job, then call [`leave`](Self::leave).
    pub fn enter(&self) -> bool {
        // Acquire: pairs with `close`'s release only for the bit; the push itself is
        // published to the workers by `leave`'s release.
        let before = self.word.fetch_add(ONE, Ordering::Acquire);
        if before & CLOSED != 0 {
            self.word.fetch_sub(ONE, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Leaves the gate after the job is pushed.
    pub fn leave(&self) {
        // Release: whoever later reads the word as `CLOSED` alone (acquire) sees the push.
        self.word.fetch_sub(ONE, Ordering::Release);
    }

    /// Closes the gate: every later [`enter`](Self::enter) fails.
    pub fn close(&self) {
        self.word.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Whether the gate is closed (submissions are refused).
    pub fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Whether the gate is closed with nobody left in it: every job that will ever
    /// be pushed has been pushed, and the pushes are visible to the caller.
    pub fn is_sealed(&self) -> bool {
        self.word.load(Ordering::Acquire) == CLOSED
    }
}
