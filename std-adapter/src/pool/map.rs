//! [`ThreadPool::map`]: Python's `pool.map(fn, items)`, lazy and in input order,
//! with a chunk size and a bounded number of chunks in flight.

use std::collections::VecDeque;
use std::fmt;
use std::iter::Fuse;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::pool::ThreadPool;
use super::{TaskError, TaskHandle};
use crate::panic::panic_message;

/// What one chunk task produces: the values of the items that returned, and the
/// positions (within the chunk) and messages of those that panicked.
struct ChunkOut<U> {
    values: Vec<U>,
    panics: VecDeque<(usize, String)>,
}

/// Runs `f` on every item of a chunk. Generic over `F` so that the per-item call is
/// inlined into the loop; [`ThreadPool::map`] erases the type once per map, not once
/// per item.
fn run_chunk<T, U, F: Fn(T) -> U>(f: &F, items: Vec<T>) -> ChunkOut<U> {
    let mut values = Vec::with_capacity(items.len());
    let mut panics = VecDeque::new();
    let mut items = items.into_iter();
    loop {
        // One `catch_unwind` per run of items; a panic costs only its own item.
        // `extend` over a `TrustedLen` source writes straight into the reserved
        // buffer, and keeps `values.len()` right when `f` unwinds, so the item
        // that panicked is the one after every value and every earlier panic:
        // no counter in the loop.
        let run = catch_unwind(AssertUnwindSafe(|| values.extend(items.by_ref().map(f))));
        match run {
            Ok(()) => break,
            Err(payload) => {
                let at = values.len() + panics.len();
                panics.push_back((at, panic_message(payload.as_ref())));
            }
        }
    }
    ChunkOut { values, panics }
}

/// A chunk in flight: its handle and length, or the length of one the pool refused.
enum InFlight<U> {
    Submitted(TaskHandle<ChunkOut<U>>, usize),
    Refused(usize),
}

/// The chunk whose items are being handed out.
struct Current<U> {
    values: std::vec::IntoIter<U>,
    panics: VecDeque<(usize, String)>,
    /// Items of this chunk handed out so far.
    pos: usize,
    len: usize,
    /// The whole chunk failed with this error (cancelled, or its task panicked).
    failed: Option<TaskError>,
    /// Items from `pos` on that come straight from `values` (before the next panic,
    /// in a chunk that did not fail): what [`Map::next`]'s fast path hands out.
    clean: usize,
}

impl<U> Current<U> {
    fn new(
        values: Vec<U>,
        panics: VecDeque<(usize, String)>,
        len: usize,
        failed: Option<TaskError>,
    ) -> Self {
        let mut cur = Self {
            values: values.into_iter(),
            panics,
            pos: 0,
            len,
            failed,
            clean: 0,
        };
        cur.count_clean();
        cur
    }

    fn count_clean(&mut self) {
        self.clean = match (&self.failed, self.panics.front()) {
            (Some(_), _) => 0,
            (None, Some((at, _))) => at.saturating_sub(self.pos),
            (None, None) => self.len - self.pos,
        };
    }

    /// Moves the values not yet handed out onto `out`, or gives the first error
    /// among them: what [`Map::collect_vec`] does with a whole chunk.
    fn append_to(mut self, out: &mut Vec<U>) -> Result<(), TaskError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if let Some((_, msg)) = self.panics.pop_front() {
            return Err(TaskError::Panicked(msg));
        }
        if self.values.len() < self.len - self.pos {
            // A chunk that ran has a value for every item that did not panic.
            return Err(TaskError::Cancelled);
        }
        out.extend(self.values);
        Ok(())
    }

    /// The item at `pos` when it does not come from the fast path: the chunk's
    /// error, a panic, or (never, for a chunk that ran) a missing value.
    fn slow_item(&mut self) -> Result<U, TaskError> {
        let pos = self.pos;
        self.pos += 1;
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let out = if self.panics.front().is_some_and(|(p, _)| *p == pos) {
            let msg = self.panics.pop_front().map(|(_, m)| m).unwrap_or_default();
            Err(TaskError::Panicked(msg))
        } else {
            self.values.next().ok_or(TaskError::Cancelled)
        };
        self.count_clean();
        out
    }
}

/// Runs one chunk: the map's function with its type erased once.
type ChunkFn<T, U> = dyn Fn(Vec<T>) -> ChunkOut<U> + Send + Sync;

/// The iterator [`ThreadPool::map`] returns: yields `f(item)` for every item, in
/// input order, as `Ok(value)` or `Err(TaskError::Panicked(..))` for an item whose
/// call panicked (the following items still come). Items are read from the input
/// lazily, a chunk at a time, keeping at most [`window`](Self::window) chunks in
/// flight; nothing is read or submitted until the first `next()`. If the pool is
/// shut down, the items not yet run come out as `Err(TaskError::Cancelled)`.
///
/// ```
/// use spindle_std::pool::ThreadPool;
///
/// let pool = ThreadPool::new(4).unwrap();
/// let squares: Vec<u64> = pool
///     .map(|n: u64| n * n, 0..1000)
///     .chunk_size(64)
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(squares[999], 998_001);
/// ```
pub struct Map<'p, I: Iterator, U> {
    pool: &'p ThreadPool,
    input: Fuse<I>,
    run: Arc<ChunkFn<I::Item, U>>,
    chunk: usize,
    window: usize,
    in_flight: VecDeque<InFlight<U>>,
    current: Option<Current<U>>,
}

impl ThreadPool {
    /// Applies `f` to every item on the pool's workers and yields the results in
    /// input order (Python's `pool.map(fn, items)`), lazily: see [`Map`]. The default
    /// chunk size is 1, as in Python's thread pool; raise it for small items.
    ///
    /// ```
    /// use spindle_std::pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let out: Vec<_> = pool
    ///     .map(|n: i32| if n == 2 { panic!("two") } else { n * 10 }, [1, 2, 3])
    ///     .collect();
    /// assert_eq!(out, [Ok(10), Err(TaskError::Panicked("two".into())), Ok(30)]);
    /// ```
    pub fn map<I, F, U>(&self, f: F, items: I) -> Map<'_, I::IntoIter, U>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> U + Send + Sync + 'static,
        U: Send + 'static,
    {
        Map {
            pool: self,
            input: items.into_iter().fuse(),
            run: Arc::new(move |items| run_chunk(&f, items)),
            chunk: 1,
            window: 4 * self.workers(),
            in_flight: VecDeque::new(),
            current: None,
        }
    }
}

impl<I, U> Map<'_, I, U>
where
    I: Iterator,
    I::Item: Send + 'static,
    U: Send + 'static,
{
    /// Items per task (0 counts as 1). Larger chunks cost less per item; smaller
    /// ones spread uneven work better.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(2).unwrap();
    /// let n = pool.map(|x: u32| x + 1, 0..10_000).chunk_size(500).filter(Result::is_ok).count();
    /// assert_eq!(n, 10_000);
    /// ```
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk = n.max(1);
        self
    }

    /// At most `n` chunks submitted and not yet consumed (0 counts as 1); the default
    /// is four times the worker count, enough that the workers rarely wait for the
    /// consumer to hand them the next chunk. Bounds the memory a slow consumer ties up.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(2).unwrap();
    /// let v: Vec<_> = pool.map(|x: u8| x, 0..4).window(1).map(Result::unwrap).collect();
    /// assert_eq!(v, [0, 1, 2, 3]);
    /// ```
    pub fn window(mut self, n: usize) -> Self {
        self.window = n.max(1);
        self
    }

    /// Runs the whole map and collects the values in input order: the same result
    /// as `.collect::<Result<Vec<U>, TaskError>>()`, the first error in input order
    /// if any item panicked or was cancelled, but each chunk's values are moved
    /// into the output in one piece instead of passing through [`next`](Iterator::next)
    /// one by one, and the output is allocated once when the input knows its
    /// length. This is Python's eager `pool.map(fn, items)`, which returns a list;
    /// for small items it is several times faster than collecting the iterator.
    /// Items already taken with `next()` are not included.
    ///
    /// ```
    /// use spindle_std::pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let doubled = pool.map(|n: u64| n * 2, 0..100_000).chunk_size(4096).collect_vec();
    /// assert_eq!(doubled.as_deref().map(|v| v[99_999]), Ok(199_998));
    ///
    /// let failed = pool.map(|n: u8| if n == 7 { panic!("seven") } else { n }, 0..10).collect_vec();
    /// assert_eq!(failed, Err(TaskError::Panicked("seven".into())));
    /// ```
    pub fn collect_vec(mut self) -> Result<Vec<U>, TaskError> {
        let mut out = Vec::with_capacity(self.size_hint().0);
        loop {
            if let Some(cur) = self.current.take() {
                cur.append_to(&mut out)?;
            }
            match self.next_chunk() {
                Some(cur) => self.current = Some(cur),
                None => return Ok(out),
            }
        }
    }

    /// Reads and submits chunks until the window is full or the input ends.
    fn refill(&mut self) {
        while self.in_flight.len() < self.window {
            let items: Vec<I::Item> = self.input.by_ref().take(self.chunk).collect();
            if items.is_empty() {
                return;
            }
            let len = items.len();
            let run = self.run.clone();
            let entry = match self.pool.submit_waiting(move || run(items)) {
                Ok(h) => InFlight::Submitted(h, len),
                Err(_) => InFlight::Refused(len),
            };
            self.in_flight.push_back(entry);
        }
    }

    #[inline(never)]
    fn next_slow(&mut self) -> Option<Result<U, TaskError>> {
        loop {
            if let Some(cur) = &mut self.current {
                if cur.pos < cur.len {
                    return Some(cur.slow_item());
                }
            }
            self.current = Some(self.next_chunk()?);
        }
    }

    /// Waits for the oldest chunk, helping with chunks no worker has started.
    fn next_chunk(&mut self) -> Option<Current<U>> {
        self.refill();
        let (result, len) = match self.in_flight.pop_front()? {
            InFlight::Refused(len) => (Err(TaskError::Cancelled), len),
            InFlight::Submitted(h, len) => {
                if !h.is_done() && !h.run_here() {
                    // A worker has it; run a later chunk here meanwhile.
                    for other in self.in_flight.iter().rev() {
                        if h.is_done() {
                            break;
                        }
                        if let InFlight::Submitted(o, _) = other {
                            o.run_here();
                        }
                    }
                }
                (h.result(), len)
            }
        };
        self.refill();
        Some(match result {
            Ok(out) => Current::new(out.values, out.panics, len, None),
            Err(e) => Current::new(Vec::new(), VecDeque::new(), len, Some(e)),
        })
    }
}

impl<I, U> Iterator for Map<'_, I, U>
where
    I: Iterator,
    I::Item: Send + 'static,
    U: Send + 'static,
{
    type Item = Result<U, TaskError>;

    // The fast path: the next value of the current chunk, straight from its
    // results; everything else (a panic, a failed chunk, the next chunk) is
    // `next_slow`.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(cur) = &mut self.current {
            if cur.clean > 0 {
                if let Some(v) = cur.values.next() {
                    cur.clean -= 1;
                    cur.pos += 1;
                    return Some(Ok(v));
                }
            }
        }
        self.next_slow()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let current = self.current.as_ref().map_or(0, |c| c.len - c.pos);
        let queued = self.in_flight.iter().fold(current, |n, c| {
            n.saturating_add(match c {
                InFlight::Submitted(_, len) | InFlight::Refused(len) => *len,
            })
        });
        let (lo, hi) = self.input.size_hint();
        (
            queued.saturating_add(lo),
            hi.and_then(|hi| hi.checked_add(queued)),
        )
    }
}

impl<I: Iterator, U> fmt::Debug for Map<'_, I, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("chunk", &self.chunk)
            .field("window", &self.window)
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}
