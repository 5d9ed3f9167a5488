//! [`Tracked`]: "tell me when it's processed", recipe 12.3's `(data, Event)` pairs.
//! The producer sends an item together with an [`Event`]; the consumer
//! [`finish`](Tracked::finish)es the item, which sets the event; the producer waits on
//! the event to learn that *its* item, not just some item, was processed. Python's
//! `task_done`/`join` answer "is everything done?"; this answers "is this one done?".
//!
//! Without a heap the event is borrowed (`&Event<R>`: a `static`, or one on the
//! producer's stack inside a scope); with `alloc`, [`Tracked::with_handle`] shares one
//! in an `Arc` and hands the producer a [`Completion`] to wait on.
//!
//! A `Tracked` that is dropped unfinished (by a consumer that gave up on it, or with
//! the queue that held it, or in a send error nobody looked at) sets its event too,
//! so a producer never waits forever for an item that nobody will process. The event
//! therefore means "no longer pending", which is "processed" unless a consumer drops
//! items; use [`into_parts`](Tracked::into_parts) to take a `Tracked` apart without
//! setting it.

use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use core::ptr;

#[cfg(feature = "alloc")]
use alloc::sync::Arc;
#[cfg(feature = "alloc")]
use mutex_traits::ConstInit;
use mutex_traits::ScopedRawMutex;

use crate::sync::Event;

/// Something that points at an [`Event`]: `&Event<R>`, `Arc<Event<R>>`, or any other
/// type that dereferences to one. Implemented for all of them; [`Tracked`] uses it to
/// reach its completion event.
///
/// ```
/// use spindle_core::queue::EventHandle;
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::sync::Event;
///
/// fn signal(h: &impl EventHandle) {
///     h.event().set();
/// }
/// let ev: Event<SpinRawMutex> = Event::new();
/// signal(&&ev);
/// assert!(ev.is_set());
/// ```
pub trait EventHandle {
    /// The raw exclusion of the event.
    type Raw: ScopedRawMutex;

    /// The event pointed at.
    fn event(&self) -> &Event<Self::Raw>;
}

impl<E, R> EventHandle for E
where
    E: Deref<Target = Event<R>>,
    R: ScopedRawMutex,
{
    type Raw = R;

    #[inline]
    fn event(&self) -> &Event<R> {
        self
    }
}

/// An item paired with the event that says it was processed: the book's
/// `(data, Event)` tuple. [`finish`](Self::finish) sets the event and hands the item
/// over; dropping an unfinished `Tracked` sets the event as well, so a producer
/// never waits forever for an item that nobody will process.
///
/// `E` is how the event is held: `&Event<R>` without a heap, `Arc<Event<R>>` with
/// `alloc` (see [`with_handle`](Tracked::with_handle)).
///
/// The book's story, with no heap: the producer's event lives on its stack.
///
/// ```
/// use spindle_core::queue::{Queue, Tracked};
/// use spindle_core::raw::ParkingRawMutex as P;
/// use spindle_core::sync::Event;
///
/// let processed: Event<P> = Event::new();
/// let q: Queue<P, Tracked<u32, &Event<P>>, 4> = Queue::new();
/// std::thread::scope(|s| {
///     // A thread that consumes data.
///     s.spawn(|| {
///         while let Ok(mut job) = q.recv_blocking() {
///             *job.item_mut() *= 2; // process the data
///             job.finish(); // indicate completion
///         }
///     });
///     // The producer: make a (data, event) pair, hand it over, wait for it.
///     q.send_blocking(Tracked::new(21, &processed)).unwrap();
///     processed.wait_blocking();
///     q.close();
/// });
/// ```
pub struct Tracked<T, E: EventHandle> {
    item: T,
    done: E,
}

impl<T, E: EventHandle> Tracked<T, E> {
    /// Pairs `item` with the event `done`, which is set when the item is finished
    /// or dropped.
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// static DONE: Event<SpinRawMutex> = Event::new();
    /// let job = Tracked::new("report", &DONE);
    /// assert!(!DONE.is_set());
    /// assert_eq!(job.finish(), "report");
    /// assert!(DONE.is_set());
    /// ```
    #[inline]
    pub fn new(item: T, done: E) -> Self {
        Self { item, done }
    }

    /// The item.
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// let ev: Event<SpinRawMutex> = Event::new();
    /// let job = Tracked::new(7, &ev);
    /// assert_eq!(*job.item(), 7);
    /// ```
    #[inline]
    pub fn item(&self) -> &T {
        &self.item
    }

    /// The item, to change in place.
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// let ev: Event<SpinRawMutex> = Event::new();
    /// let mut job = Tracked::new(7, &ev);
    /// *job.item_mut() += 1;
    /// assert_eq!(job.finish(), 8);
    /// ```
    #[inline]
    pub fn item_mut(&mut self) -> &mut T {
        &mut self.item
    }

    /// The completion event.
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// let ev: Event<SpinRawMutex> = Event::new();
    /// let job = Tracked::new((), &ev);
    /// assert!(!job.event().is_set());
    /// ```
    #[inline]
    pub fn event(&self) -> &Event<E::Raw> {
        self.done.event()
    }

    /// Marks the item processed: sets the event (waking whoever waits on it) and
    /// returns the item.
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// let ev: Event<SpinRawMutex> = Event::new();
    /// let item = Tracked::new(vec![1, 2], &ev).finish();
    /// assert!(ev.is_set());
    /// assert_eq!(item, [1, 2]);
    /// ```
    pub fn finish(self) -> T {
        let (item, done) = self.into_parts();
        done.event().set();
        item
    }

    /// Takes the pair apart *without* setting the event: the caller now answers for
    /// setting it (or not).
    ///
    /// ```
    /// # use spindle_core::queue::Tracked;
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::sync::Event;
    /// let ev: Event<SpinRawMutex> = Event::new();
    /// let (item, done) = Tracked::new(5, &ev).into_parts();
    /// assert!(!ev.is_set());
    /// // ... hand `item` on, and set `done` later:
    /// done.set();
    /// # assert_eq!(item, 5);
    /// ```
    pub fn into_parts(self) -> (T, E) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped nor used again, so each field is moved out
        // exactly once; `Tracked`'s `Drop` does not run.
        unsafe { (ptr::read(&this.item), ptr::read(&this.done)) }
    }
}

impl<T, E: EventHandle> Drop for Tracked<T, E> {
    /// Dropping an unfinished item sets its event: nobody will process it, so its
    /// producer must not wait for it.
    fn drop(&mut self) {
        self.done.event().set();
    }
}

impl<T: fmt::Debug, E: EventHandle> fmt::Debug for Tracked<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("item", &self.item)
            .field("done", &self.event().is_set())
            .finish()
    }
}

#[cfg(feature = "alloc")]
impl<T, R: ScopedRawMutex + ConstInit> Tracked<T, Arc<Event<R>>> {
    /// Pairs `item` with a fresh shared event, and returns the producer's side of it:
    /// a [`Completion`] to wait on. Needs `alloc`.
    ///
    /// The book's story, one event per item:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_core::queue::{Queue, Tracked};
    /// use spindle_core::raw::ParkingRawMutex as P;
    /// use spindle_core::sync::Event;
    ///
    /// static Q: Queue<P, Tracked<String, Arc<Event<P>>>, 8> = Queue::new();
    ///
    /// // A thread that consumes data.
    /// let consumer = std::thread::spawn(|| {
    ///     let mut seen = Vec::new();
    ///     while let Ok(job) = Q.recv_blocking() {
    ///         seen.push(job.finish()); // process, then indicate completion
    ///     }
    ///     seen
    /// });
    /// // A thread that produces data, and waits for each item to be processed.
    /// for n in 0..3 {
    ///     let (job, done) = Tracked::with_handle(format!("item {n}"));
    ///     Q.send_blocking(job).unwrap();
    ///     done.wait_blocking();
    ///     assert!(done.is_done());
    /// }
    /// Q.close();
    /// assert_eq!(consumer.join().unwrap(), ["item 0", "item 1", "item 2"]);
    /// ```
    pub fn with_handle(item: T) -> (Self, Completion<R>) {
        let event = Arc::new(Event::new());
        let handle = Completion {
            event: Arc::clone(&event),
        };
        (Self::new(item, event), handle)
    }
}

/// The producer's side of a [`Tracked`] made by [`Tracked::with_handle`]: says, or
/// waits until, the item is processed (or dropped unprocessed). Needs `alloc`.
///
/// ```
/// use spindle_core::queue::{Completion, Tracked};
/// use spindle_core::raw::SpinRawMutex;
///
/// let (job, done): (_, Completion<SpinRawMutex>) = Tracked::with_handle(1u8);
/// assert!(!done.is_done());
/// drop(job); // dropped unprocessed: the producer is released all the same
/// assert!(done.is_done());
/// ```
#[cfg(feature = "alloc")]
pub struct Completion<R> {
    event: Arc<Event<R>>,
}

#[cfg(feature = "alloc")]
impl<R: ScopedRawMutex> Completion<R> {
    /// Whether the item is finished (or was dropped), now.
    ///
    /// ```
    /// # use spindle_core::queue::{Completion, Tracked};
    /// # use spindle_core::raw::SpinRawMutex;
    /// let (job, done): (_, Completion<SpinRawMutex>) = Tracked::with_handle(());
    /// assert!(!done.is_done());
    /// job.finish();
    /// assert!(done.is_done());
    /// ```
    #[inline]
    pub fn is_done(&self) -> bool {
        self.event.is_set()
    }

    /// Waits until the item is finished (or dropped).
    ///
    /// ```
    /// # use spindle_core::queue::{Completion, Tracked};
    /// # use spindle_core::raw::SpinRawMutex;
    /// # use spindle_core::wait::block_on;
    /// let (job, done): (_, Completion<SpinRawMutex>) = Tracked::with_handle(());
    /// job.finish();
    /// block_on(done.wait());
    /// ```
    pub async fn wait(&self) {
        self.event.wait().await
    }

    /// Waits until the item is finished (or dropped), blocking the thread.
    ///
    /// ```
    /// # use spindle_core::queue::{Completion, Tracked};
    /// # use spindle_core::raw::ParkingRawMutex;
    /// let (job, done): (_, Completion<ParkingRawMutex>) = Tracked::with_handle(5);
    /// let t = std::thread::spawn(move || job.finish());
    /// done.wait_blocking();
    /// assert_eq!(t.join().unwrap(), 5);
    /// ```
    pub fn wait_blocking(&self) {
        self.event.wait_blocking()
    }

    /// Waits at most `timeout` for the item to be finished (or dropped).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use spindle_core::queue::{Completion, Tracked};
    /// # use spindle_core::raw::ParkingRawMutex;
    /// # use spindle_core::sync::WaitTimeoutError;
    /// let (job, done): (_, Completion<ParkingRawMutex>) = Tracked::with_handle(5);
    /// assert_eq!(done.wait_timeout(Duration::from_millis(1)), Err(WaitTimeoutError::TimedOut));
    /// drop(job);
    /// assert_eq!(done.wait_timeout(Duration::from_millis(1)), Ok(()));
    /// ```
    #[cfg(feature = "std")]
    pub fn wait_timeout(
        &self,
        timeout: core::time::Duration,
    ) -> Result<(), crate::sync::WaitTimeoutError> {
        self.event.wait_timeout(timeout)
    }
}

#[cfg(feature = "alloc")]
impl<R> Clone for Completion<R> {
    fn clone(&self) -> Self {
        Self {
            event: Arc::clone(&self.event),
        }
    }
}

#[cfg(feature = "alloc")]
impl<R> fmt::Debug for Completion<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("event", &self.event)
            .finish()
    }
}
