//! [`ProcessPool::map`]: Python's `executor.map(fn, items, chunksize=n)`, lazy and
//! in input order; each chunk is one task (one round trip to a worker).

use std::collections::VecDeque;
use std::fmt;
use std::iter::Fuse;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{FrameError, WorkerError};
use super::pool::{ProcessPool, Refused};
use super::registry::Task;
use crate::pool::{TaskError, TaskHandle};

type Chunk<R> = Vec<Result<R, String>>;
/// A chunk's handle (or why it was not submitted) and its length.
type InFlight<R> = (Result<TaskHandle<Chunk<R>>, TaskError>, usize);

/// The iterator [`ProcessPool::map`] returns: `task(item)` for every item, in input
/// order, as `Ok(value)`, `Err(TaskError::Panicked(..))` for an item whose call
/// panicked, or the error of its chunk (e.g. its worker died: every item of that
/// chunk gets [`TaskError::Worker`]); the other chunks are unaffected. Items are
/// read a chunk at a time, with at most [`window`](Self::window) chunks in flight.
pub struct ProcessMap<'p, I: Iterator, R> {
    pool: &'p ProcessPool,
    task: &'static str,
    input: Fuse<I>,
    chunk: usize,
    window: usize,
    in_flight: VecDeque<InFlight<R>>,
    current: VecDeque<Result<R, TaskError>>,
}

impl ProcessPool {
    /// Runs `task` over `items` in the workers, yielding the results in input order
    /// (Python's `executor.map`). Lazy: nothing is submitted until the first
    /// `next()`. Set the items per task with
    /// [`chunk_size`](ProcessMap::chunk_size) (default 1).
    ///
    /// ```no_run
    /// use spindle_std::process::{self, ProcessPool, Registry, Task};
    /// fn double(n: u32) -> u32 { n * 2 }
    /// const DOUBLE: Task<u32, u32> = Task::new("double", double);
    /// fn main() {
    ///     process::init(Registry::new().with(DOUBLE));
    ///     let pool = ProcessPool::new(2).unwrap();
    ///     let out: Result<Vec<u32>, _> = pool.map(DOUBLE, 0..100).chunk_size(10).collect();
    ///     assert_eq!(out.unwrap()[99], 198);
    /// }
    /// ```
    pub fn map<A, R, I>(&self, task: Task<A, R>, items: I) -> ProcessMap<'_, I::IntoIter, R>
    where
        I: IntoIterator<Item = A>,
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        ProcessMap {
            pool: self,
            task: task.name(),
            input: items.into_iter().fuse(),
            chunk: 1,
            window: 2 * self.workers(),
            in_flight: VecDeque::new(),
            current: VecDeque::new(),
        }
    }
}

impl<I, R> ProcessMap<'_, I, R>
where
    I: Iterator,
    I::Item: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    /// Items per task (0 counts as 1): larger chunks cost fewer round trips.
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk = n.max(1);
        self
    }

    /// Chunks in flight at once (default twice the workers; 0 counts as 1).
    pub fn window(mut self, n: usize) -> Self {
        self.window = n.max(1);
        self
    }

    fn submit_next(&mut self) -> bool {
        let items: Vec<I::Item> = self.input.by_ref().take(self.chunk).collect();
        if items.is_empty() {
            return false;
        }
        let len = items.len();
        let handle = match postcard::to_allocvec(&items) {
            Ok(arg) => self
                .pool
                .submit_call::<Chunk<R>>(self.task, arg, true)
                .map_err(|e| match e {
                    Refused::ShutDown => TaskError::Cancelled,
                    Refused::Encode(e) => TaskError::Worker(WorkerError::Frame(e)),
                }),
            Err(e) => Err(TaskError::Worker(WorkerError::Frame(FrameError::Encode(
                e.to_string(),
            )))),
        };
        self.in_flight.push_back((handle, len));
        true
    }
}

impl<I, R> Iterator for ProcessMap<'_, I, R>
where
    I: Iterator,
    I::Item: Serialize,
    R: DeserializeOwned + Send + 'static,
{
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(x) = self.current.pop_front() {
                return Some(x);
            }
            while self.in_flight.len() < self.window && self.submit_next() {}
            let (handle, len) = self.in_flight.pop_front()?;
            match handle.and_then(TaskHandle::result) {
                Ok(values) if values.len() == len => {
                    self.current = values
                        .into_iter()
                        .map(|r| r.map_err(TaskError::Panicked))
                        .collect();
                }
                Ok(values) => {
                    let e = TaskError::Worker(WorkerError::BadResult(format!(
                        "a chunk of {len} items came back with {} results",
                        values.len()
                    )));
                    self.current = (0..len).map(|_| Err(e.clone())).collect();
                }
                Err(e) => self.current = (0..len).map(|_| Err(e.clone())).collect(),
            }
        }
    }
}

impl<I: Iterator, R> fmt::Debug for ProcessMap<'_, I, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessMap")
            .field("task", &self.task)
            .field("chunk", &self.chunk)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}
