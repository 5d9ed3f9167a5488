//! [`Exchange`]: a fixed table of subscriber slots that every message is sent to.
//!
//! # Implementation notes (for reviewers)
//! - The table (which slot holds which subscriber, its policy and its counters)
//!   lives in a `mutex::BlockingMutex` guarded by the raw exclusion `R`. A send
//!   takes that lock twice: once to copy the open entries (references, policies) to
//!   its stack and count itself in `active[epoch]`, then, after delivering with the
//!   lock released, once to add each target's outcome to its slot's counters and
//!   count itself out. An interrupt is masked only for the copy and the count, never
//!   for a delivery.
//! - Detaching is an epoch flip (as in sleepable RCU): under the lock the entry is
//!   marked closing (so no later send copies it) and `epoch` flips; then, outside the
//!   lock, the detacher polls (under the lock) until `active[old epoch]` is zero.
//!   Every send that could have copied the entry counted itself in the old epoch
//!   under the same lock before the flip, and counts itself out under it after its
//!   last delivery, so when the count reads zero every such delivery has finished
//!   and is counted: after `detach` returns, the subscriber is never touched again
//!   and may be dropped. Detaches are serialized by a `sync::Mutex`, so two flips
//!   never overlap.
//! - A send waiting for room in a subscriber (`Overflow::Wait`) checks the slot's
//!   generation between tries and gives up once the slot is detached, so detaching
//!   a stalled subscriber does not wait for it.
//! - Counters are plain fields of the table, added to by a send's second locked
//!   section. They were per-slot atomics, one locked `fetch_add` per subscriber per
//!   message (eight of them, ~20 cycles each on x86, for an 8-subscriber send,
//!   issue 13's `exchange/fanout-8-queues`); now a send costs two lock round trips
//!   whatever its number of subscribers. So a snapshot ([`Exchange::stats`]) counts
//!   the sends that have finished, never one still in progress. A slot is reused
//!   only after its detach has waited out every send that touched it, so counters
//!   are reset with no send in flight on that slot.
//! - Each slot's generation is also an atomic outside the lock, so a send waiting
//!   for room in a `Wait` subscriber can see the detach without taking the lock.
//!
//! No `unsafe` here: shared mutable state is the blocking mutex's or atomic.

use core::fmt;
use core::future::poll_fn;
use core::task::Poll;

use mutex::BlockingMutex;
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::{ExchangeFull, PublishError, Refused};
use super::policy::{Overflow, Report, Stats};
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

enum SubscriberSlot<'a, T> {
    Free,
    Open {
        sub: SubscriberRef<'a, T>,
        policy: Overflow,
        generation: usize,
    },
    Closing,
}

struct SubscriberTable<'a, T, const S: usize> {
    entries: [SubscriberSlot<'a, T>; S],
    /// Each slot's counters since it was attached, finished sends only.
    counts: [Stats; S],
    /// Sends in flight, per epoch.
    active: [usize; 2],
    /// Which of `active` new sends count themselves in.
    epoch: usize,
    next_generation: usize,
    attached: usize,
}

/// A subscriber copied out of the table for one send, and what the send did to it.
#[derive(Clone, Copy)]
struct Target<'a, T> {
    sub: SubscriberRef<'a, T>,
    generation: usize,
    /// `u32` (`S` is at most `u32::MAX`, asserted in `begin`), so that a target is
    /// 32 bytes, not 40: the send copies `S` of them out of the table.
    slot: u32,
    policy: Overflow,
    outcome: Outcome,
}

// The layout the `slot: u32` comment promises, on the targets where it was measured.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<Target<'static, u8>>() == 32);

impl<T> Target<'_, T> {
    /// Records what the send did to this target, in it and in the send's report.
    fn settle(&mut self, outcome: Outcome, report: &mut Report) {
        self.outcome = outcome;
        outcome.add_to(
            &mut report.delivered,
            &mut report.dropped,
            &mut report.refused,
        );
    }
}

/// What one delivery came to.
#[derive(Clone, Copy)]
enum Outcome {
    /// Not offered (yet): a send dropped before it got here. Not counted.
    Pending,
    Delivered,
    /// `DropOldest` discarded the oldest, then delivered.
    DeliveredAfterDrop,
    /// Dropped by policy: the new message.
    Dropped,
    /// Dropped by policy: the oldest and the new one.
    DroppedBoth,
    Refused,
    /// Detached while the send waited for room: not counted.
    Detached,
}

impl Outcome {
    /// Adds this outcome to three counters: a slot's [`Stats`] or a send's [`Report`].
    fn add_to(self, delivered: &mut usize, dropped: &mut usize, refused: &mut usize) {
        match self {
            Outcome::Delivered => *delivered += 1,
            Outcome::DeliveredAfterDrop => {
                *delivered += 1;
                *dropped += 1;
            }
            Outcome::Dropped => *dropped += 1,
            Outcome::DroppedBoth => *dropped += 2,
            Outcome::Refused => *refused += 1,
            Outcome::Pending | Outcome::Detached => {}
        }
    }
}

/// The open entries as one send copied them.
type Targets<'a, T, const S: usize> = heapless::Vec<Target<'a, T>, S>;

/// One send's copy of the table and its place in an epoch. Dropping it, when the
/// send completes or its future is dropped, adds each target's outcome to the
/// slot's counters and counts the send out of its epoch, in one locked section.
struct Delivery<'x, 'a, R: ScopedRawMutex, T, const S: usize> {
    exchange: &'x Exchange<'a, R, T, S>,
    /// The copy, in the sending function's own frame (see [`Exchange::begin`]).
    targets: &'x mut Targets<'a, T, S>,
    epoch: usize,
    /// The targets' outcomes so far, summed.
    report: Report,
}

impl<R: ScopedRawMutex, T, const S: usize> Delivery<'_, '_, R, T, S> {
    /// The send's result: an error if any subscriber refused. (The counts are
    /// added when `self` is dropped.)
    fn result(&self) -> Result<Report, PublishError> {
        if self.report.refused == 0 {
            Ok(self.report)
        } else {
            Err(PublishError {
                report: self.report,
            })
        }
    }
}

impl<R: ScopedRawMutex, T, const S: usize> Drop for Delivery<'_, '_, R, T, S> {
    fn drop(&mut self) {
        let r = &self.report;
        // Every target took the message: only `delivered` moves (the usual case,
        // and the one worth a loop without a match).
        let all_delivered = r.delivered == self.targets.len() && r.dropped == 0;
        self.exchange.table.with_lock(|t| {
            // Unconditionally: a slot is not reset until its detach has seen this
            // send counted out, so `target.slot` still holds `target`'s attachment.
            if all_delivered {
                for target in self.targets.iter() {
                    t.counts[target.slot as usize].delivered += 1;
                }
            } else {
                for target in self.targets.iter() {
                    let c = &mut t.counts[target.slot as usize];
                    target
                        .outcome
                        .add_to(&mut c.delivered, &mut c.dropped, &mut c.refused);
                }
            }
            t.active[self.epoch] -= 1;
        });
    }
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
/// handlers included: the lock is held only to copy the subscriber table and,
/// after the deliveries, to add the send's outcomes to the counters). A subscriber
/// detached during a send may or may not get that message; once
/// [`detach`](Self::detach) has returned it gets nothing more. Counters
/// ([`stats`](Self::stats)) include a send once it has finished.
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
    table: BlockingMutex<R, SubscriberTable<'a, T, S>>,
    /// Each slot's live generation (0 when not open), read without the lock by
    /// sends waiting for room.
    generations: [AtomicUsize; S],
    detaching: Mutex<R, ()>,
}

impl<'a, R: ScopedRawMutex + ConstInit, T, const S: usize> Exchange<'a, R, T, S> {
    loom_const_fn! {
        /// An exchange with no subscribers and room for `S`. `const`, so it can
        /// initialise a `static`.
        pub fn new() -> Self {
            Self {
                table: BlockingMutex::new(SubscriberTable {
                    entries: entries::<T, S>(),
                    counts: [Stats { delivered: 0, dropped: 0, refused: 0 }; S],
                    active: [0; 2],
                    epoch: 0,
                    next_generation: 1,
                    attached: 0,
                }),
                generations: generations::<S>(),
                detaching: Mutex::new(()),
            }
        }
    }
}

#[cfg(not(loom))]
const fn entries<'a, T, const S: usize>() -> [SubscriberSlot<'a, T>; S] {
    [const { SubscriberSlot::Free }; S]
}

#[cfg(loom)]
fn entries<'a, T, const S: usize>() -> [SubscriberSlot<'a, T>; S] {
    core::array::from_fn(|_| SubscriberSlot::Free)
}

#[cfg(not(loom))]
const fn generations<const S: usize>() -> [AtomicUsize; S] {
    [const { AtomicUsize::new(0) }; S]
}

#[cfg(loom)]
fn generations<const S: usize>() -> [AtomicUsize; S] {
    core::array::from_fn(|_| AtomicUsize::new(0))
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
                .position(|e| matches!(e, SubscriberSlot::Free))
                .ok_or(ExchangeFull)?;
            let generation = t.next_generation;
            t.next_generation = match generation.wrapping_add(1) {
                0 => 1,
                g => g,
            };
            // No send touches a free slot (its detach waited them out).
            t.counts[slot] = Stats::default();
            self.generations[slot].store(generation, Ordering::Relaxed);
            t.entries[slot] = SubscriberSlot::Open {
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
                SubscriberSlot::Open { generation, .. } if *generation == id.generation => {}
                _ => return None,
            }
            *slot = SubscriberSlot::Closing;
            self.generations[id.slot].store(0, Ordering::Relaxed);
            t.attached -= 1;
            let old = t.epoch;
            t.epoch ^= 1;
            Some(old)
        })?;
        let mut round = 0;
        loop {
            let done = self.table.with_lock(|t| {
                (t.active[old_epoch] == 0).then(|| {
                    t.entries[id.slot] = SubscriberSlot::Free;
                    t.counts[id.slot]
                })
            });
            if done.is_some() {
                return done;
            }
            back_off(round);
            round = round.saturating_add(1);
        }
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
        self.table.with_lock(|t| match t.entries.get(id.slot)? {
            SubscriberSlot::Open { generation, .. } if *generation == id.generation => {
                Some(t.counts[id.slot])
            }
            _ => None,
        })
    }

    /// Copies the open entries into `targets` and counts the send in the current
    /// epoch.
    ///
    /// `targets` lives in the sending function's frame and the `Delivery` only
    /// borrows it: a `Delivery` that held the copy by value (`S` x 32 bytes) was
    /// moved out of the locked closure and out of this function, two `memcpy`s of
    /// ~290 bytes a send at `S = 8`, about 100 of the 890 instructions a message
    /// took in `exchange/fanout-8-queues`.
    fn begin<'x>(&'x self, targets: &'x mut Targets<'a, T, S>) -> Delivery<'x, 'a, R, T, S> {
        const {
            assert!(
                S <= u32::MAX as usize,
                "an exchange has at most u32::MAX slots"
            )
        };
        let epoch = self.table.with_lock(|t| {
            for (slot, e) in t.entries.iter().enumerate() {
                if let SubscriberSlot::Open {
                    sub,
                    policy,
                    generation,
                } = *e
                {
                    // Cannot fail: there are at most `S` entries.
                    let _ = targets.push(Target {
                        sub,
                        slot: slot as u32,
                        generation,
                        policy,
                        outcome: Outcome::Pending,
                    });
                }
            }
            t.active[t.epoch] += 1;
            t.epoch
        });
        Delivery {
            exchange: self,
            targets,
            epoch,
            report: Report::default(),
        }
    }

    /// Offers `msg` to one target. A full `Wait` target is waited for in
    /// `Blocking` mode; in `Try` mode this returns `None` and the caller decides.
    fn offer(&self, target: &Target<'a, T>, msg: &T, mode: Mode) -> Option<Outcome> {
        Some(match target.sub.try_deliver(msg) {
            Ok(()) => Outcome::Delivered,
            Err(Refused::Closed) => Outcome::Refused,
            Err(Refused::Full) => match target.policy {
                Overflow::DropNewest => Outcome::Dropped,
                Overflow::DropOldest => {
                    if !target.sub.discard_oldest() {
                        Outcome::Dropped
                    } else if target.sub.try_deliver(msg).is_ok() {
                        Outcome::DeliveredAfterDrop
                    } else {
                        Outcome::DroppedBoth
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

    /// Whether the target's slot still holds the attachment the send copied.
    fn still_attached(&self, target: &Target<'a, T>) -> bool {
        self.generations[target.slot as usize].load(Ordering::Relaxed) == target.generation
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
        let mut targets = Targets::new();
        let mut delivery = self.begin(&mut targets);
        for target in delivery.targets.iter_mut() {
            let outcome = self
                .offer(target, &msg, Mode::Try)
                .unwrap_or(Outcome::Refused);
            target.settle(outcome, &mut delivery.report);
        }
        delivery.result()
    }

    /// Offers `msg` to every subscriber, blocking while a `Wait` subscriber is full
    /// (it retries with back-off: a short spin, then yielding the thread with `std`).
    /// Waiting for a subscriber ends early if it is detached meanwhile.
    pub fn send_blocking(&self, msg: T) -> Result<Report, PublishError> {
        let mut targets = Targets::new();
        let mut delivery = self.begin(&mut targets);
        for target in delivery.targets.iter_mut() {
            if let Some(outcome) = self.offer(target, &msg, Mode::Blocking) {
                target.settle(outcome, &mut delivery.report);
            }
        }
        delivery.result()
    }

    /// Offers `msg` to every subscriber, awaiting each `Wait` subscriber that is
    /// full (through [`Subscriber::poll_deliver`]). Dropping the future stops the
    /// send where it is: earlier subscribers have the message, later ones do not.
    pub async fn send(&self, msg: T) -> Result<Report, PublishError> {
        let mut targets = Targets::new();
        let mut delivery = self.begin(&mut targets);
        for target in delivery.targets.iter_mut() {
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
            target.settle(outcome, &mut delivery.report);
        }
        delivery.result()
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
