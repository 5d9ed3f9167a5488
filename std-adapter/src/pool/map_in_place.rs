//! [`ThreadPool::map_slice`] and [`ThreadPool::map_range`]: Python's eager
//! `pool.map(fn, items)` for inputs whose length is known, each result written in
//! place into the output `Vec`.
//!
//! [`ThreadPool::map`] takes any iterator, so its caller reads the input into chunk
//! vectors, each chunk's task collects its own output vector, and the caller copies
//! those into the result: three passes over the data besides `f`. With a slice or a
//! range the input can be split without reading it, and the output allocated once
//! and split the same way: a task per chunk borrows its part of the input and its
//! part of the output's spare capacity (through [`ThreadPool::scope`]) and writes
//! each value where it belongs, as rayon's indexed `collect` does.
//!
//! # Safety argument (the one `unsafe` block, `Vec::set_len`)
//! The output is a `Vec` with room for `n` values (`try_reserve_exact`, or an
//! error); its spare capacity's first `n` slots are split by `chunks_mut` into
//! disjoint parts that together cover them. Each part
//! goes to one task, whose loop writes every slot of it (a `zip` of the part with an
//! input of the same length) before the task returns. The length is set only if
//! every task returned normally: a panic in `f` or a cancelled task is an error,
//! and then the length stays 0 (the values already written are leaked, not
//! dropped: nothing reads uninitialised memory). The tasks' results are read after
//! [`ThreadPool::scope`] has waited for all of them, and a task's handle publishes
//! its result with release/acquire, so the writes happen before `set_len`.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::pool::ThreadPool;
use super::TaskError;

/// Items per task when the caller does not say: enough that a task's fixed cost
/// (a box, a queue push, a handle) is small against its items.
const DEFAULT_CHUNK: usize = 4096;

impl ThreadPool {
    /// Applies `f` to every item of `items` on the pool's workers and returns the
    /// results in input order (Python's `pool.map(fn, items)` on a list). Each task
    /// takes `chunk` items (0 means the default, 4096) and writes its results
    /// straight into the output, so for small items this is the fastest map.
    /// `f` may borrow from the caller, as in [`scope`](Self::scope).
    ///
    /// Fails with the first error in input order: [`TaskError::Panicked`] if `f`
    /// panicked on an item of some chunk (that chunk's other values are lost with
    /// it), [`TaskError::Cancelled`] if the pool shut down first; with
    /// [`TaskError::OutputTooLarge`], before running anything, if the output cannot
    /// be allocated. Don't call it from one of this pool's tasks (see
    /// [`scope`](Self::scope)).
    ///
    /// ```
    /// use spindle_std::pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let words = ["alpha", "beta", "gamma"];
    /// assert_eq!(pool.map_slice(&words, 0, |w| w.len()), Ok(vec![5, 4, 5]));
    ///
    /// let failed = pool.map_slice(&[1, 0, 2], 1, |&d| 10 / d);
    /// assert!(matches!(failed, Err(TaskError::Panicked(_))));
    /// ```
    pub fn map_slice<T, U, F>(&self, items: &[T], chunk: usize, f: F) -> Result<Vec<U>, TaskError>
    where
        T: Sync,
        U: Send + 'static,
        F: Fn(&T) -> U + Sync,
    {
        self.fill_in_place(items.len(), chunk, |start, part| {
            let input = &items[start..start + part.len()];
            for (slot, item) in part.iter_mut().zip(input) {
                slot.write(f(item));
            }
        })
    }

    /// Applies `f` to every index of `range` on the pool's workers and returns the
    /// results in order (Python's `pool.map(fn, range(a, b))`); the in-place
    /// counterpart of [`map_slice`](Self::map_slice) for an input that is a range,
    /// with the same chunks and errors.
    ///
    /// ```
    /// use spindle_std::pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let squares = pool.map_range(0..100_000, 0, |i| (i as u64) * (i as u64)).unwrap();
    /// assert_eq!((squares.len(), squares[300]), (100_000, 90_000));
    ///
    /// let huge = pool.map_range(0..usize::MAX, 0, |i| i);
    /// assert_eq!(huge, Err(TaskError::OutputTooLarge(usize::MAX)));
    /// ```
    pub fn map_range<U, F>(
        &self,
        range: Range<usize>,
        chunk: usize,
        f: F,
    ) -> Result<Vec<U>, TaskError>
    where
        U: Send + 'static,
        F: Fn(usize) -> U + Sync,
    {
        let first = range.start;
        self.fill_in_place(range.len(), chunk, |start, part| {
            for (slot, i) in part.iter_mut().zip(first + start..) {
                slot.write(f(i));
            }
        })
    }

    /// Allocates `n` values, has `fill(start, part)` write every slot of each
    /// `chunk`-sized part (the output's items `start..start + part.len()`) on the
    /// workers, and returns them once every part is written.
    fn fill_in_place<U, W>(&self, n: usize, chunk: usize, fill: W) -> Result<Vec<U>, TaskError>
    where
        U: Send + 'static,
        W: Fn(usize, &mut [MaybeUninit<U>]) + Sync,
    {
        let chunk = if chunk == 0 { DEFAULT_CHUNK } else { chunk };
        // Not `with_capacity`, which panics (or aborts) on an impossible length: a
        // huge range is the caller's input, and gets an error.
        let mut out: Vec<U> = Vec::new();
        if out.try_reserve_exact(n).is_err() {
            return Err(TaskError::OutputTooLarge(n));
        }
        let parts = &mut out.spare_capacity_mut()[..n];
        let fill = &fill;
        // The handles are read after the scope has waited for every task, so the
        // caller sleeps once (until the last chunk is done), not once per chunk
        // still running when it gets to that chunk's handle.
        let handles: Vec<_> = self.scope(|s| {
            parts
                .chunks_mut(chunk)
                .enumerate()
                .map(|(i, part)| s.submit(move || fill(i * chunk, part)))
                .collect()
        });
        if let Some(error) = handles.into_iter().find_map(|h| h.result().err()) {
            return Err(error);
        }
        // SAFETY: every task returned normally, so each part of the first `n`
        // spare slots was written in full (see the module's safety argument), and
        // `scope` has waited for all of them; `n <= capacity`.
        unsafe { out.set_len(n) };
        Ok(out)
    }
}
