//! [`Exchange`]: a fixed table of subscriber slots that every message is sent to.
//!
//! # Implementation notes (for reviewers)
//! - The table (which slot holds which subscriber, and its policy) lives in a
//!   `mutex::BlockingMutex` guarded by the raw exclusion `R`. A send takes that lock
//!   once, copies the open entries (references, policies) to its stack and counts
//!   itself in `active[epoch]`, then delivers with the lock released: an interrupt
//!   is masked only for the copy, never for a delivery.
//! - Detaching is an epoch flip (as in sleepable RCU): under the lock the entry is
//!   marked closing (so no later send copies it) and `epoch` flips; then, outside the
//!   lock, the detacher waits until `active[old epoch]` is zero. Every send that
//!   could have copied the entry counted itself in the old epoch under the same lock
//!   before the flip, so when the count reaches zero (an `Acquire` load that sees
//!   their `Release` decrements) every such delivery has finished: after `detach`
//!   returns, the subscriber is never touched again and may be dropped. Detaches are
//!   serialized by a `sync::Mutex`, so two flips never overlap.
//! - A send waiting for room in a subscriber (`Overflow::Wait`) checks the slot's
//!   generation between tries and gives up once the slot is detached, so detaching
//!   a stalled subscriber does not wait for it.
//! - Counters are per slot atomics; a slot is reused only after its detach has
//!   waited out every send that touched it, so counters are reset with no send
//!   in flight on that slot.
//!
//! No `unsafe` here: shared mutable state is the blocking mutex's or atomic.

use core::fmt;
use core::future::poll_fn;
use core::task::Poll;

use mutex::BlockingMutex;
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::policy::{ExchangeFull, Overflow, PublishError, Refused, Report, Stats};
use super::subscriber::Subscriber;
use crate::loom::{AtomicUsize, Ordering};
use crate::sync::Mutex;
use crate::wait::backoff::back_off;

/// How an exchange refers to a subscriber: shared, and shareable between contexts.
pub type SubscriberRef<'a, T> = &'a (dyn Subscriber<T> + Sync);

/// Names one attachment of a subscriber to an exchange (from
/// [`Exchange::attach`]); detach with it. Ids are not reused for a long time (a
/// generation counter), so a stale id detaches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriberId {
    slot: usize,
    generation: usize,
}

impl SubscriberId {
    /// The slot of the exchange's table this subscriber occupies.
    pub fn slot(&self) -> usize {
        self.slot
    }
}

enum Entry<'a, T> {
    Free,
    Open {
        sub: SubscriberRef<'a, T>,
        policy: Overflow,
        generation: usize,
    },
    Closing,
}

struct Table<'a, T, const S: usize> {
    entries: [Entry<'a, T>; S],
    /// Which of `active` new sends count themselves in.
    epoch: usize,
    next_generation: usize,
    attached: usize,
}

/// One slot's atomics: its live generation (0 when not open) and its counters.
struct SlotState {
    generation: AtomicUsize,
    delivered: AtomicUsize,
    dropped: AtomicUsize,
    refused: AtomicUsize,
}

impl SlotState {
    loom_const_fn! {
        fn new() -> Self {
            Self {
                generation: AtomicUsize::new(0),
                delivered: AtomicUsize::new(0),
                dropped: AtomicUsize::new(0),
                refused: AtomicUsize::new(0),
            }
        }
    }

    fn stats(&self) -> Stats {
        Stats {
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}

/// A subscriber copied out of the table for one send.
#[derive(Clone, Copy)]
struct Target<'a, T> {
    sub: SubscriberRef<'a, T>,
    policy: Overflow,
    slot: usize,
    generation: usize,
}

/// Decrements a send's epoch count when the send ends, completed or dropped.
struct InFlight<'x>(&'x AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

/// What one delivery came to.
#[derive(Clone, Copy)]
enum Outcome {
    Delivered,
    /// `DropOldest` discarded the oldest, then delivered.
    DeliveredAfterDrop,
    /// Dropped by policy: the new message, or (2) the oldest and the new one.
    Dropped(usize),
    Refused,
    /// Detached while the send waited for room: not counted.
    Detached,
}

/// How a send treats a `Wait` subscriber that is full.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Try,
    Blocking,
}

/// A publish/subscribe hub (recipe 12.11's `Exchange`): every message sent is
/// offered to every attached subscriber, each with its own [`Overflow`] policy and
/// counters. Holds at most `S` subscribers and never allocates.
///
/// | Python | spindle |
/// |---|---|
/// | `exc.attach(task)` | [`attach`](Self::attach)`(&task, policy)` → [`SubscriberId`] |
/// | `exc.detach(task)` | [`detach`](Self::detach)`(id)` → final [`Stats`] |
/// | `with exc.subscribe(task):` | `let _s = `[`subscribe`](Self::subscribe)`(&task, policy)?;` (detaches on drop) |
/// | `exc.send(msg)` | [`try_send`](Self::try_send)`(msg)`, [`send`](Self::send)`(msg).await`, [`send_blocking`](Self::send_blocking)`(msg)` |
/// | `DisplayMessages` | a [`Tap`](super::Tap) attached with [`tap`](Self::tap) |
///
/// Sends and attach/detach may run concurrently from any contexts (with
/// [`CriticalSectionRawMutex`](crate::raw::CriticalSectionRawMutex), interrupt
/// handlers included: the lock is held only to copy the subscriber table). A
/// subscriber detached during a send may or may not get that message; once
/// [`detach`](Self::detach) has returned it gets nothing more.
///
/// ```
/// use spindle_core::exchange::{Exchange, Overflow};
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let task_a: Queue<SpinRawMutex, &str, 8> = Queue::new();
/// let task_b: Queue<SpinRawMutex, &str, 8> = Queue::new();
/// let exc: Exchange<SpinRawMutex, &str, 4> = Exchange::new();
///
/// let a = exc.attach(&task_a, Overflow::Wait).unwrap();
/// let b = exc.attach(&task_b, Overflow::Wait).unwrap();
/// exc.send_blocking("msg1").unwrap();
/// exc.send_blocking("msg2").unwrap();
/// assert_eq!(exc.detach(a).unwrap().delivered, 2);
/// assert_eq!(exc.detach(b).unwrap().delivered, 2);
/// assert_eq!((task_a.try_recv(), task_b.try_recv()), (Ok("msg1"), Ok("msg1")));
/// ```
pub struct Exchange<'a, R, T, const S: usize> {
    table: BlockingMutex<R, Table<'a, T, S>>,
    slots: [SlotState; S],
    active: [AtomicUsize; 2],
    detaching: Mutex<R, ()>,
}

impl<'a, R: ScopedRawMutex + ConstInit, T, const S: usize> Exchange<'a, R, T, S> {
    loom_const_fn! {
        /// An exchange with no subscribers and room for `S`. `const`, so it can
        /// initialise a `static`.
        pub fn new() -> Self {
            Self {
                table: BlockingMutex::new(Table {
                    entries: entries::<T, S>(),
                    epoch: 0,
                    next_generation: 1,
                    attached: 0,
                }),
                slots: slot_states::<S>(),
                active: [AtomicUsize::new(0), AtomicUsize::new(0)],
                detaching: Mutex::new(()),
            }
        }
    }
}

#[cfg(not(loom))]
const fn entries<'a, T, const S: usize>() -> [Entry<'a, T>; S] {
    [const { Entry::Free }; S]
}

#[cfg(loom)]
fn entries<'a, T, const S: usize>() -> [Entry<'a, T>; S] {
    core::array::from_fn(|_| Entry::Free)
}

#[cfg(not(loom))]
const fn slot_states<const S: usize>() -> [SlotState; S] {
    [const { SlotState::new() }; S]
}

#[cfg(loom)]
fn slot_states<const S: usize>() -> [SlotState; S] {
    core::array::from_fn(|_| SlotState::new())
}

impl<R: ScopedRawMutex + ConstInit, T, const S: usize> Default for Exchange<'_, R, T, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, R: ScopedRawMutex, T, const S: usize> Exchange<'a, R, T, S> {
    /// How many subscribers it can hold.
    pub fn capacity(&self) -> usize {
        S
    }

    /// How many subscribers are attached (a snapshot).
    pub fn len(&self) -> usize {
        self.table.with_lock(|t| t.attached)
    }

    /// Whether no subscriber is attached (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Attaches `sub` with overflow policy `policy` (Python's `exc.attach(task)`).
    /// The same subscriber may be attached more than once; it then gets each message
    /// once per attachment. Fails, changing nothing, when all `S` slots are taken.
    pub fn attach(
        &self,
        sub: SubscriberRef<'a, T>,
        policy: Overflow,
    ) -> Result<SubscriberId, ExchangeFull> {
        self.table.with_lock(|t| {
            let slot = t
                .entries
                .iter()
                .position(|e| matches!(e, Entry::Free))
                .ok_or(ExchangeFull)?;
            let generation = t.next_generation;
            t.next_generation = match generation.wrapping_add(1) {
                0 => 1,
                g => g,
            };
            let state = &self.slots[slot];
            // No send touches a free slot (its detach waited them out).
            state.delivered.store(0, Ordering::Relaxed);
            state.dropped.store(0, Ordering::Relaxed);
            state.refused.store(0, Ordering::Relaxed);
            state.generation.store(generation, Ordering::Relaxed);
            t.entries[slot] = Entry::Open {
                sub,
                policy,
                generation,
            };
            t.attached += 1;
            Ok(SubscriberId { slot, generation })
        })
    }

    /// Detaches the subscriber `id` names (Python's `exc.detach(task)`) and returns
    /// its final counters; `None` if `id` is not attached (already detached).
    ///
    /// Waits until sends that may be delivering to it have finished, so once this
    /// returns the subscriber gets nothing more and may be dropped. Do not call it
    /// from inside a delivery to the same exchange: it would wait for itself.
    pub fn detach(&self, id: SubscriberId) -> Option<Stats> {
        // One detach at a time. Spun for, as the wait for in-flight sends below is:
        // detaching is rare and short, and `lock_blocking` would compile a whole
        // async lock into every `Subscription` drop (about 1 KB on small targets).
        let mut round = 0;
        let _one_at_a_time = loop {
            if let Ok(guard) = self.detaching.try_lock() {
                break guard;
            }
            back_off(round);
            round = round.saturating_add(1);
        };
        let old_epoch = self.table.with_lock(|t| {
            let slot = t.entries.get_mut(id.slot)?;
            match slot {
                Entry::Open { generation, .. } if *generation == id.generation => {}
                _ => return None,
            }
            *slot = Entry::Closing;
            self.slots[id.slot].generation.store(0, Ordering::Relaxed);
            t.attached -= 1;
            let old = t.epoch;
            t.epoch ^= 1;
            Some(old)
        })?;
        let mut round = 0;
        while self.active[old_epoch].load(Ordering::Acquire) != 0 {
            back_off(round);
            round = round.saturating_add(1);
        }
        let stats = self.slots[id.slot].stats();
        self.table.with_lock(|t| t.entries[id.slot] = Entry::Free);
        Some(stats)
    }

    /// Attaches `sub` for as long as the returned guard lives (Python's
    /// `with exc.subscribe(task):`): dropping the guard detaches it.
    ///
    /// ```
    /// use spindle_core::exchange::{Exchange, Overflow};
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let inbox: Queue<SpinRawMutex, u8, 4> = Queue::new();
    /// let exc: Exchange<SpinRawMutex, u8, 2> = Exchange::new();
    /// {
    ///     let _sub = exc.subscribe(&inbox, Overflow::Wait).unwrap();
    ///     exc.try_send(1).unwrap();
    /// } // detached here
    /// exc.try_send(2).unwrap();
    /// assert_eq!(inbox.len(), 1);
    /// ```
    pub fn subscribe(
        &self,
        sub: SubscriberRef<'a, T>,
        policy: Overflow,
    ) -> Result<Subscription<'_, 'a, R, T, S>, ExchangeFull> {
        let id = self.attach(sub, policy)?;
        Ok(Subscription {
            exchange: self,
            id: Some(id),
        })
    }

    /// Attaches a diagnostic [`Tap`](super::Tap) (the book's `DisplayMessages`) for
    /// as long as the guard lives. Taps never refuse, so the policy does not matter.
    pub fn tap(
        &self,
        tap: SubscriberRef<'a, T>,
    ) -> Result<Subscription<'_, 'a, R, T, S>, ExchangeFull> {
        self.subscribe(tap, Overflow::DropNewest)
    }

    /// The counters of the subscriber `id` names; `None` if it is not attached.
    pub fn stats(&self, id: SubscriberId) -> Option<Stats> {
        let state = self.slots.get(id.slot)?;
        (state.generation.load(Ordering::Relaxed) == id.generation).then(|| state.stats())
    }

    /// Copies the open entries and counts the send in the current epoch.
    fn begin(&self) -> (heapless::Vec<Target<'a, T>, S>, InFlight<'_>) {
        self.table.with_lock(|t| {
            let mut targets = heapless::Vec::new();
            for (slot, e) in t.entries.iter().enumerate() {
                if let Entry::Open {
                    sub,
                    policy,
                    generation,
                } = *e
                {
                    // Cannot fail: there are at most `S` entries.
                    let _ = targets.push(Target {
                        sub,
                        policy,
                        slot,
                        generation,
                    });
                }
            }
            let active = &self.active[t.epoch];
            active.fetch_add(1, Ordering::Relaxed);
            (targets, InFlight(active))
        })
    }

    /// Offers `msg` to one target. A full `Wait` target is waited for in
    /// `Blocking` mode; in `Try` mode this returns `None` and the caller decides.
    fn offer(&self, target: &Target<'a, T>, msg: &T, mode: Mode) -> Option<Outcome> {
        Some(match target.sub.try_deliver(msg) {
            Ok(()) => Outcome::Delivered,
            Err(Refused::Closed) => Outcome::Refused,
            Err(Refused::Full) => match target.policy {
                Overflow::DropNewest => Outcome::Dropped(1),
                Overflow::DropOldest => {
                    if !target.sub.discard_oldest() {
                        Outcome::Dropped(1)
                    } else if target.sub.try_deliver(msg).is_ok() {
                        Outcome::DeliveredAfterDrop
                    } else {
                        Outcome::Dropped(2)
                    }
                }
                Overflow::Error => Outcome::Refused,
                Overflow::Wait => match mode {
                    Mode::Try => return None,
                    Mode::Blocking => self.wait_blocking(target, msg),
                },
            },
        })
    }

    /// Records one target's outcome in its counters and in the send's report.
    fn count(&self, target: &Target<'a, T>, outcome: Outcome, report: &mut Report) {
        let state = &self.slots[target.slot];
        match outcome {
            Outcome::Delivered => {
                state.delivered.fetch_add(1, Ordering::Relaxed);
                report.delivered += 1;
            }
            Outcome::DeliveredAfterDrop => {
                state.delivered.fetch_add(1, Ordering::Relaxed);
                state.dropped.fetch_add(1, Ordering::Relaxed);
                report.delivered += 1;
                report.dropped += 1;
            }
            Outcome::Dropped(n) => {
                state.dropped.fetch_add(n, Ordering::Relaxed);
                report.dropped += n;
            }
            Outcome::Refused => {
                state.refused.fetch_add(1, Ordering::Relaxed);
                report.refused += 1;
            }
            Outcome::Detached => {}
        }
    }

    /// Whether the target's slot still holds the attachment the send copied.
    fn still_attached(&self, target: &Target<'a, T>) -> bool {
        self.slots[target.slot].generation.load(Ordering::Relaxed) == target.generation
    }

    /// Retries a full `Wait` target with back-off until it accepts, closes, or is
    /// detached.
    fn wait_blocking(&self, target: &Target<'a, T>, msg: &T) -> Outcome {
        let mut round = 0;
        loop {
            if !self.still_attached(target) {
                return Outcome::Detached;
            }
            match target.sub.try_deliver(msg) {
                Ok(()) => return Outcome::Delivered,
                Err(Refused::Closed) => return Outcome::Refused,
                Err(Refused::Full) => {
                    back_off(round);
                    round = round.saturating_add(1);
                }
            }
        }
    }

    fn finish(report: Report) -> Result<Report, PublishError> {
        if report.refused == 0 {
            Ok(report)
        } else {
            Err(PublishError { report })
        }
    }

    /// Offers `msg` to every subscriber without waiting (Python's `exc.send(msg)`).
    /// Full subscribers get their policy, `Wait` ones count as refused. Fails if
    /// any subscriber refused; the report (in the error too) says what happened.
    ///
    /// ```
    /// use spindle_core::exchange::{Exchange, Overflow};
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let q: Queue<SpinRawMutex, u32, 1> = Queue::new();
    /// let exc: Exchange<SpinRawMutex, u32, 1> = Exchange::new();
    /// let sub = exc.subscribe(&q, Overflow::DropNewest).unwrap();
    /// assert!(exc.try_send(1).unwrap().is_complete());
    /// assert_eq!(exc.try_send(2).unwrap().dropped, 1); // q is full
    /// assert_eq!(sub.stats().unwrap().dropped, 1);
    /// ```
    pub fn try_send(&self, msg: T) -> Result<Report, PublishError> {
        let (targets, _in_flight) = self.begin();
        let mut report = Report::default();
        for target in &targets {
            let outcome = self
                .offer(target, &msg, Mode::Try)
                .unwrap_or(Outcome::Refused);
            self.count(target, outcome, &mut report);
        }
        Self::finish(report)
    }

    /// Offers `msg` to every subscriber, blocking while a `Wait` subscriber is full
    /// (it retries with back-off: a short spin, then yielding the thread with `std`).
    /// Waiting for a subscriber ends early if it is detached meanwhile.
    pub fn send_blocking(&self, msg: T) -> Result<Report, PublishError> {
        let (targets, _in_flight) = self.begin();
        let mut report = Report::default();
        for target in &targets {
            if let Some(outcome) = self.offer(target, &msg, Mode::Blocking) {
                self.count(target, outcome, &mut report);
            }
        }
        Self::finish(report)
    }

    /// Offers `msg` to every subscriber, awaiting each `Wait` subscriber that is
    /// full (through [`Subscriber::poll_deliver`]). Dropping the future stops the
    /// send where it is: earlier subscribers have the message, later ones do not.
    pub async fn send(&self, msg: T) -> Result<Report, PublishError> {
        let (targets, _in_flight) = self.begin();
        let mut report = Report::default();
        for target in &targets {
            let outcome = match self.offer(target, &msg, Mode::Try) {
                Some(outcome) => outcome,
                None => {
                    poll_fn(|cx| {
                        if !self.still_attached(target) {
                            return Poll::Ready(Outcome::Detached);
                        }
                        target.sub.poll_deliver(&msg, cx).map(|r| match r {
                            Ok(()) => Outcome::Delivered,
                            Err(_) => Outcome::Refused,
                        })
                    })
                    .await
                }
            };
            self.count(target, outcome, &mut report);
        }
        Self::finish(report)
    }
}

impl<R, T, const S: usize> fmt::Debug for Exchange<'_, R, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("capacity", &S)
            .finish_non_exhaustive()
    }
}

/// A subscriber attached for the guard's lifetime (from [`Exchange::subscribe`]);
/// dropping it detaches the subscriber, waiting out sends that may be delivering to
/// it. The book's `with exc.subscribe(task):` block.
#[must_use = "the subscriber is detached as soon as the guard is dropped"]
pub struct Subscription<'e, 'a, R: ScopedRawMutex, T, const S: usize> {
    exchange: &'e Exchange<'a, R, T, S>,
    id: Option<SubscriberId>,
}

impl<R: ScopedRawMutex, T, const S: usize> Subscription<'_, '_, R, T, S> {
    /// The attachment's id.
    pub fn id(&self) -> Option<SubscriberId> {
        self.id
    }

    /// The subscriber's counters so far.
    pub fn stats(&self) -> Option<Stats> {
        self.exchange.stats(self.id?)
    }

    /// Detaches now and returns the final counters.
    pub fn unsubscribe(mut self) -> Stats {
        self.id
            .take()
            .and_then(|id| self.exchange.detach(id))
            .unwrap_or_default()
    }
}

impl<R: ScopedRawMutex, T, const S: usize> Drop for Subscription<'_, '_, R, T, S> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.exchange.detach(id);
        }
    }
}

impl<R: ScopedRawMutex, T, const S: usize> fmt::Debug for Subscription<'_, '_, R, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}
