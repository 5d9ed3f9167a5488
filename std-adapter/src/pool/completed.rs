//! Waiting on many handles at once: [`as_completed`] (handles in the order they
//! finish) and [`wait`] (first completed, first panicked, or all), Python's
//! `concurrent.futures.as_completed` and `concurrent.futures.wait`.
//!
//! Both register a done-callback on every handle that sends the handle's index to
//! a private queue, and wait on that queue.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle_core::queue::UnboundedQueue;
use spindle_core::raw::ParkingRawMutex;
use spindle_core::sync::RecvError;

use super::{TaskHandle, TaskState};
use crate::sync::WaitTimeoutError;

type Done = Arc<UnboundedQueue<ParkingRawMutex, (usize, TaskState)>>;

fn watch<R>(handles: &[TaskHandle<R>]) -> Done {
    let done: Done = Arc::new(UnboundedQueue::new());
    for (i, h) in handles.iter().enumerate() {
        let d = done.clone();
        h.add_done_callback(move |s| {
            // The queue is never closed: this cannot fail.
            let _ = d.send((i, s));
        });
    }
    done
}

/// The iterator [`as_completed`] returns: each handle once, as it finishes. The
/// yielded handles are done, so `result()` returns at once.
pub struct AsCompleted<R> {
    handles: Vec<Option<TaskHandle<R>>>,
    done: Done,
    left: usize,
}

/// Yields `handles` in the order their tasks finish (Python's
/// `concurrent.futures.as_completed`); cancelled tasks count as finished.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::pool::{as_completed, ThreadPool};
///
/// let pool = ThreadPool::new(3).unwrap();
/// let handles: Vec<_> = [30u64, 1, 15]
///     .into_iter()
///     .map(|ms| pool.submit(move || { std::thread::sleep(Duration::from_millis(ms)); ms }).unwrap())
///     .collect();
/// let mut got: Vec<u64> = as_completed(handles).map(|h| h.result().unwrap()).collect();
/// assert_eq!(got.len(), 3); // usually [1, 15, 30]: completion order
/// got.sort();
/// assert_eq!(got, [1, 15, 30]);
/// ```
pub fn as_completed<R, I>(handles: I) -> AsCompleted<R>
where
    I: IntoIterator<Item = TaskHandle<R>>,
{
    let handles: Vec<TaskHandle<R>> = handles.into_iter().collect();
    let done = watch(&handles);
    AsCompleted {
        left: handles.len(),
        handles: handles.into_iter().map(Some).collect(),
        done,
    }
}

impl<R> AsCompleted<R> {
    fn take(&mut self, i: usize) -> Option<TaskHandle<R>> {
        let h = self.handles.get_mut(i)?.take()?;
        self.left -= 1;
        Some(h)
    }

    /// The next handle to finish, waiting at most `timeout` (Python's
    /// `as_completed(fs, timeout)`): `Ok(None)` when every handle has been yielded,
    /// `Err(WaitTimeoutError::TimedOut)` if none finished in time (try again later).
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// use spindle_std::pool::{as_completed, ThreadPool};
    /// use spindle_std::sync::Event;
    ///
    /// let pool = ThreadPool::new(1).unwrap();
    /// let go = Arc::new(Event::new());
    /// let g = go.clone();
    /// let mut it = as_completed([pool.submit(move || g.wait_blocking()).unwrap()]);
    /// assert!(it.next_timeout(Duration::from_millis(5)).is_err());
    /// go.set();
    /// assert!(it.next_timeout(Duration::from_secs(10)).unwrap().is_some());
    /// assert!(it.next_timeout(Duration::from_secs(10)).unwrap().is_none());
    /// ```
    pub fn next_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<TaskHandle<R>>, WaitTimeoutError> {
        let deadline = Instant::now() + timeout;
        while self.left > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.done.recv_timeout(left) {
                Ok((i, _)) => {
                    if let Some(h) = self.take(i) {
                        return Ok(Some(h));
                    }
                }
                Err(_) => return Err(WaitTimeoutError::TimedOut),
            }
        }
        Ok(None)
    }

    /// Handles not yet yielded.
    ///
    /// ```
    /// use spindle_std::pool::{as_completed, ThreadPool};
    /// let pool = ThreadPool::new(1).unwrap();
    /// let mut it = as_completed([pool.submit(|| 1).unwrap()]);
    /// assert_eq!(it.remaining(), 1);
    /// it.next();
    /// assert_eq!(it.remaining(), 0);
    /// ```
    pub fn remaining(&self) -> usize {
        self.left
    }
}

impl<R> Iterator for AsCompleted<R> {
    type Item = TaskHandle<R>;

    fn next(&mut self) -> Option<TaskHandle<R>> {
        while self.left > 0 {
            match self.done.recv_blocking() {
                Ok((i, _)) => {
                    if let Some(h) = self.take(i) {
                        return Some(h);
                    }
                }
                Err(RecvError::Closed) | Err(_) => return None,
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<R> fmt::Debug for AsCompleted<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.left)
            .finish_non_exhaustive()
    }
}

/// When [`wait`] returns (Python's `return_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReturnWhen {
    /// As soon as any task finishes (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as any task panics, or when all have finished (`FIRST_EXCEPTION`).
    FirstPanicked,
    /// When every task has finished (`ALL_COMPLETED`).
    AllCompleted,
}

/// What [`wait`] returns: the handles split into finished and not, each in input
/// order (Python's `(done, not_done)` pair of sets).
#[derive(Debug)]
pub struct Waited<R> {
    /// Handles whose tasks had finished when `wait` returned.
    pub done: Vec<TaskHandle<R>>,
    /// The others (the wait timed out, or its condition was met first).
    pub not_done: Vec<TaskHandle<R>>,
}

/// Waits until `when` holds for `handles`, or `timeout` passes (`None`: no limit),
/// then splits them into done and not done (Python's `concurrent.futures.wait`).
/// A timeout is not an error: the unfinished handles are in `not_done`.
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use spindle_std::pool::{wait, ReturnWhen, ThreadPool};
/// use spindle_std::sync::Event;
///
/// let pool = ThreadPool::new(2).unwrap();
/// let go = Arc::new(Event::new());
/// let g = go.clone();
/// let slow = pool.submit(move || { g.wait_blocking(); 1 }).unwrap();
/// let fast = pool.submit(|| 2).unwrap();
/// let w = wait(vec![slow, fast], ReturnWhen::FirstCompleted, Some(Duration::from_secs(10)));
/// assert_eq!(w.done.len(), 1);
/// assert_eq!(w.not_done.len(), 1);
/// go.set();
/// let w = wait(w.not_done, ReturnWhen::AllCompleted, None);
/// assert!(w.not_done.is_empty());
/// ```
pub fn wait<R>(
    handles: Vec<TaskHandle<R>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Waited<R> {
    let done = watch(&handles);
    let deadline = timeout.map(|t| Instant::now() + t);
    let total = handles.len();
    let mut finished = 0;
    let satisfied = |finished: usize, panicked: bool| match when {
        ReturnWhen::FirstCompleted => finished > 0 || total == 0,
        ReturnWhen::FirstPanicked => panicked || finished == total,
        ReturnWhen::AllCompleted => finished == total,
    };
    let mut panicked = false;
    while !satisfied(finished, panicked) {
        let got = match deadline {
            Some(d) => done.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => done.recv_blocking(),
        };
        match got {
            Ok((_, state)) => {
                finished += 1;
                panicked |= state == TaskState::Panicked;
            }
            Err(_) => break,
        }
    }
    let (done, not_done) = handles.into_iter().partition(|h| h.is_done());
    Waited { done, not_done }
}
