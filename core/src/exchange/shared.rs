//! [`SharedRegistry`]: named exchanges on the heap (`alloc`), with no fixed limit on
//! how many, and pattern subscriptions that follow every matching exchange, those
//! that exist and those created later.
//!
//! # Implementation notes (for reviewers)
//! - The registry's state (name → `Arc<Exchange>` and the live pattern entries)
//!   sits in a `mutex::BlockingMutex` under the raw exclusion `R`, behind an `Arc`
//!   so clones of the registry share it.
//! - Each pattern entry keeps its attachments in its own `BlockingMutex`, shared
//!   (`Arc`) by the registry's list and the guard. An exchange created later is
//!   attached, under the registry lock, to every open pattern that matches it, and
//!   recorded in that list. The guard holds only a `Weak` reference to the
//!   registry, so there is no cycle, and the registry may be dropped first.
//! - Ending a subscription first removes the entry from the registry (under its
//!   lock), then closes the entry and takes its attachments (under the entry's
//!   lock), then detaches them with no lock held (a detach waits out sends). An
//!   exchange created concurrently is either recorded before the close or never
//!   attached.
//!
//! No `unsafe` here.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::fmt;

use mutex::BlockingMutex;
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::error::InvalidTopic;
use super::exchange::{Exchange, SubscriberId, SubscriberRef};
use super::pattern::{is_valid_name, is_valid_pattern, topic_matches};
use super::policy::{Overflow, Stats};

/// The exchange type a [`SharedRegistry`] hands out.
type Shared<R, T, const S: usize> = Exchange<'static, R, T, S>;

/// What one pattern subscription has attached to so far.
struct Follow<R, T: 'static, const S: usize> {
    /// `false` once the subscription has ended: nothing more is attached.
    open: bool,
    attached: Vec<(Weak<Shared<R, T, S>>, SubscriberId)>,
    /// Matching exchanges it could not attach to (they were full).
    missed: usize,
}

struct PatternEntry<R, T: 'static, const S: usize> {
    pattern: String,
    sub: SubscriberRef<'static, T>,
    policy: Overflow,
    follow: BlockingMutex<R, Follow<R, T, S>>,
}

impl<R: ScopedRawMutex, T: 'static, const S: usize> PatternEntry<R, T, S> {
    /// Attaches to `exchange` if the pattern matches its `name` and is still open.
    fn follow(&self, name: &str, exchange: &Arc<Shared<R, T, S>>) {
        if !topic_matches(&self.pattern, name) {
            return;
        }
        self.follow.with_lock(|f| {
            if !f.open {
                return;
            }
            match exchange.attach(self.sub, self.policy) {
                Ok(id) => f.attached.push((Arc::downgrade(exchange), id)),
                Err(_) => f.missed += 1,
            }
        });
    }
}

struct NameTable<R, T: 'static, const S: usize> {
    exchanges: BTreeMap<String, Arc<Shared<R, T, S>>>,
    patterns: Vec<Arc<PatternEntry<R, T, S>>>,
}

struct Inner<R, T: 'static, const S: usize> {
    table: BlockingMutex<R, NameTable<R, T, S>>,
}

/// Named exchanges of up to `S` subscribers each, on the heap: as many exchanges
/// and pattern subscriptions as memory allows (the `alloc` feature). The growable
/// sibling of [`Registry`](super::Registry), recipe 12.11's
/// `exchanges = defaultdict(Exchange)`.
///
/// Exchanges are handed out as `Arc`s, so names need not be `'static`; subscribers
/// must be (`&'static`, e.g. a `static` queue or a leaked box). Cloning the
/// registry gives another handle to the same exchanges.
///
/// | Python | spindle |
/// |---|---|
/// | `get_exchange('name')` | [`exchange`](Self::exchange)`("name")?` (creates it on first use) |
/// | `exchanges.get('name')` | [`get`](Self::get)`("name")` |
/// | (pattern matching, the book's suggested extension) | [`subscribe_pattern`](Self::subscribe_pattern)`("sensors/+/temp", &SUB, policy)` |
///
/// ```
/// use spindle_core::exchange::{Overflow, SharedRegistry};
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::CriticalSectionRawMutex;
///
/// static TEMPS: Queue<CriticalSectionRawMutex, u32, 8> = Queue::new();
/// let reg: SharedRegistry<CriticalSectionRawMutex, u32, 4> = SharedRegistry::new();
/// let kitchen = reg.exchange("sensors/kitchen/temp").unwrap();
/// let _follow = reg.subscribe_pattern("sensors/+/temp", &TEMPS, Overflow::DropOldest).unwrap();
/// let hall = reg.exchange("sensors/hall/temp").unwrap(); // created later: followed too
/// kitchen.try_send(21).unwrap();
/// hall.try_send(19).unwrap();
/// reg.exchange("sensors/hall/humidity").unwrap().try_send(40).unwrap(); // no match
/// assert_eq!((TEMPS.try_recv(), TEMPS.try_recv(), TEMPS.len()), (Ok(21), Ok(19), 0));
/// ```
pub struct SharedRegistry<R, T: 'static, const S: usize> {
    inner: Arc<Inner<R, T, S>>,
}

impl<R: ScopedRawMutex + ConstInit, T: 'static, const S: usize> SharedRegistry<R, T, S> {
    /// An empty registry.
    ///
    /// ```
    /// use spindle_core::exchange::SharedRegistry;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let reg: SharedRegistry<SpinRawMutex, u8, 4> = SharedRegistry::new();
    /// assert!(reg.is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                table: BlockingMutex::new(NameTable {
                    exchanges: BTreeMap::new(),
                    patterns: Vec::new(),
                }),
            }),
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, T: 'static, const S: usize> Default
    for SharedRegistry<R, T, S>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<R, T: 'static, const S: usize> Clone for SharedRegistry<R, T, S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R: ScopedRawMutex + ConstInit, T: 'static, const S: usize> SharedRegistry<R, T, S> {
    /// The exchange named `name`, created on first use (Python's
    /// `get_exchange(name)`); the same `Arc` for the same name. A new exchange
    /// starts with every pattern subscription that matches its name attached.
    ///
    /// Errors: [`InvalidTopic`] for an empty name or one with `+` or
    /// `#`. There is no limit on the number of exchanges.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_core::exchange::{InvalidTopic, SharedRegistry};
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let reg: SharedRegistry<SpinRawMutex, u8, 2> = SharedRegistry::new();
    /// let a = reg.exchange("a").unwrap();
    /// assert!(Arc::ptr_eq(&a, &reg.exchange("a").unwrap()));
    /// for n in 0..100 {
    ///     reg.exchange(&format!("many/{n}")).unwrap();
    /// }
    /// assert_eq!(reg.len(), 101);
    /// assert_eq!(reg.exchange("bad/+").unwrap_err(), InvalidTopic);
    /// ```
    pub fn exchange(&self, name: &str) -> Result<Arc<Shared<R, T, S>>, InvalidTopic> {
        if !is_valid_name(name) {
            return Err(InvalidTopic);
        }
        Ok(self.inner.table.with_lock(|t| {
            if let Some(exchange) = t.exchanges.get(name) {
                return Arc::clone(exchange);
            }
            let exchange = Arc::new(Exchange::new());
            for entry in &t.patterns {
                entry.follow(name, &exchange);
            }
            t.exchanges
                .insert(String::from(name), Arc::clone(&exchange));
            exchange
        }))
    }
}

impl<R: ScopedRawMutex, T: 'static, const S: usize> SharedRegistry<R, T, S> {
    /// The exchange named `name`, if it was created.
    ///
    /// ```
    /// use spindle_core::exchange::SharedRegistry;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let reg: SharedRegistry<SpinRawMutex, u8, 2> = SharedRegistry::new();
    /// assert!(reg.get("news").is_none());
    /// reg.exchange("news").unwrap();
    /// assert!(reg.get("news").is_some());
    /// ```
    pub fn get(&self, name: &str) -> Option<Arc<Shared<R, T, S>>> {
        self.inner
            .table
            .with_lock(|t| t.exchanges.get(name).cloned())
    }

    /// How many exchanges have been created.
    ///
    /// ```
    /// use spindle_core::exchange::SharedRegistry;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let reg: SharedRegistry<SpinRawMutex, u8, 2> = SharedRegistry::new();
    /// reg.exchange("a").unwrap();
    /// reg.exchange("b").unwrap();
    /// reg.exchange("a").unwrap();
    /// assert_eq!(reg.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.table.with_lock(|t| t.exchanges.len())
    }

    /// Whether no exchange has been created yet.
    ///
    /// ```
    /// use spindle_core::exchange::SharedRegistry;
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let reg: SharedRegistry<SpinRawMutex, u8, 2> = SharedRegistry::new();
    /// assert!(reg.is_empty());
    /// reg.exchange("a").unwrap();
    /// assert!(!reg.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Attaches `sub` to every exchange whose name matches `pattern` (see
    /// [`topic_matches`]), now and as matching exchanges are created, until the
    /// returned guard is dropped. A matching exchange with no free subscriber slot
    /// is skipped and counted in [`SharedPatternSubscription::missed`].
    ///
    /// Errors: [`InvalidTopic`] for a malformed pattern. There is no
    /// limit on the number of pattern subscriptions.
    ///
    /// ```
    /// use spindle_core::exchange::{InvalidTopic, Overflow, SharedRegistry};
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::CriticalSectionRawMutex;
    ///
    /// static ALL: Queue<CriticalSectionRawMutex, u8, 8> = Queue::new();
    /// let reg: SharedRegistry<CriticalSectionRawMutex, u8, 2> = SharedRegistry::new();
    /// let a = reg.exchange("sensors/a").unwrap();
    /// {
    ///     let sub = reg.subscribe_pattern("sensors/#", &ALL, Overflow::Wait).unwrap();
    ///     reg.exchange("sensors/b").unwrap().try_send(2).unwrap();
    ///     a.try_send(1).unwrap();
    ///     assert_eq!(sub.attached(), 2);
    /// } // detached from both here
    /// a.try_send(3).unwrap();
    /// assert_eq!((ALL.try_recv(), ALL.try_recv(), ALL.len()), (Ok(2), Ok(1), 0));
    /// let bad = reg.subscribe_pattern("sensors/#/x", &ALL, Overflow::Wait);
    /// assert_eq!(bad.unwrap_err(), InvalidTopic);
    /// ```
    pub fn subscribe_pattern(
        &self,
        pattern: &str,
        sub: SubscriberRef<'static, T>,
        policy: Overflow,
    ) -> Result<SharedPatternSubscription<R, T, S>, InvalidTopic>
    where
        R: ConstInit,
    {
        if !is_valid_pattern(pattern) {
            return Err(InvalidTopic);
        }
        let entry = Arc::new(PatternEntry {
            pattern: String::from(pattern),
            sub,
            policy,
            follow: BlockingMutex::new(Follow {
                open: true,
                attached: Vec::new(),
                missed: 0,
            }),
        });
        self.inner.table.with_lock(|t| {
            for (name, exchange) in &t.exchanges {
                entry.follow(name, exchange);
            }
            t.patterns.push(Arc::clone(&entry));
        });
        Ok(SharedPatternSubscription {
            registry: Arc::downgrade(&self.inner),
            entry,
        })
    }
}

impl<R, T: 'static, const S: usize> fmt::Debug for SharedRegistry<R, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedRegistry")
            .field("subscribers_each", &S)
            .finish_non_exhaustive()
    }
}

/// A pattern subscription (from [`SharedRegistry::subscribe_pattern`]); dropping it
/// detaches the subscriber from every exchange it followed, including those
/// created after it was made. It does not borrow the registry, and may outlive it.
///
/// ```
/// use spindle_core::exchange::{Overflow, SharedRegistry};
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::CriticalSectionRawMutex;
///
/// static INBOX: Queue<CriticalSectionRawMutex, u8, 8> = Queue::new();
/// let reg: SharedRegistry<CriticalSectionRawMutex, u8, 2> = SharedRegistry::new();
/// let sub = reg.subscribe_pattern("+", &INBOX, Overflow::Wait).unwrap();
/// reg.exchange("x").unwrap().try_send(1).unwrap();
/// reg.exchange("y").unwrap().try_send(2).unwrap();
/// assert_eq!(sub.unsubscribe().delivered, 2);
/// reg.exchange("x").unwrap().try_send(3).unwrap(); // not delivered any more
/// assert_eq!(INBOX.len(), 2);
/// ```
#[must_use = "the pattern subscription ends as soon as the guard is dropped"]
pub struct SharedPatternSubscription<R: ScopedRawMutex, T: 'static, const S: usize> {
    registry: Weak<Inner<R, T, S>>,
    entry: Arc<PatternEntry<R, T, S>>,
}

impl<R: ScopedRawMutex, T: 'static, const S: usize> SharedPatternSubscription<R, T, S> {
    /// How many exchanges it is attached to now.
    ///
    /// ```
    /// use spindle_core::exchange::{from_fn, Overflow, SharedRegistry};
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let sink = Box::leak(Box::new(from_fn(|_: &u8| {}))); // a `'static` subscriber
    /// let reg: SharedRegistry<SpinRawMutex, u8, 2> = SharedRegistry::new();
    /// let sub = reg.subscribe_pattern("a/+", sink, Overflow::Wait).unwrap();
    /// reg.exchange("a/1").unwrap();
    /// reg.exchange("b/1").unwrap();
    /// assert_eq!(sub.attached(), 1);
    /// ```
    pub fn attached(&self) -> usize {
        self.entry.follow.with_lock(|f| f.attached.len())
    }

    /// How many matching exchanges it could not attach to because they were full.
    ///
    /// ```
    /// use spindle_core::exchange::{from_fn, Overflow, SharedRegistry};
    /// use spindle_core::raw::SpinRawMutex;
    ///
    /// let sink = &*Box::leak(Box::new(from_fn(|_: &u8| {}))); // a `'static` subscriber
    /// let reg: SharedRegistry<SpinRawMutex, u8, 1> = SharedRegistry::new();
    /// let _first = reg.subscribe_pattern("#", sink, Overflow::Wait).unwrap();
    /// let second = reg.subscribe_pattern("#", sink, Overflow::Wait).unwrap();
    /// reg.exchange("only-one-slot").unwrap();
    /// assert_eq!((second.attached(), second.missed()), (0, 1));
    /// ```
    pub fn missed(&self) -> usize {
        self.entry.follow.with_lock(|f| f.missed)
    }

    /// The subscriber's counters summed over every exchange it follows.
    ///
    /// ```
    /// use spindle_core::exchange::{Overflow, SharedRegistry};
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::CriticalSectionRawMutex;
    ///
    /// static INBOX: Queue<CriticalSectionRawMutex, u8, 1> = Queue::new();
    /// let reg: SharedRegistry<CriticalSectionRawMutex, u8, 2> = SharedRegistry::new();
    /// let sub = reg.subscribe_pattern("#", &INBOX, Overflow::DropNewest).unwrap();
    /// reg.exchange("a").unwrap().try_send(1).unwrap();
    /// reg.exchange("b").unwrap().try_send(2).unwrap(); // INBOX is full: dropped
    /// let stats = sub.stats();
    /// assert_eq!((stats.delivered, stats.dropped), (1, 1));
    /// ```
    pub fn stats(&self) -> Stats {
        self.entry.follow.with_lock(|f| {
            let mut total = Stats::default();
            for (exchange, id) in &f.attached {
                if let Some(s) = exchange.upgrade().and_then(|e| e.stats(*id)) {
                    total.delivered += s.delivered;
                    total.dropped += s.dropped;
                    total.refused += s.refused;
                }
            }
            total
        })
    }

    /// Ends the subscription now; the final counters, summed.
    ///
    /// ```
    /// use spindle_core::exchange::{Overflow, SharedRegistry};
    /// use spindle_core::queue::Queue;
    /// use spindle_core::raw::CriticalSectionRawMutex;
    ///
    /// static INBOX: Queue<CriticalSectionRawMutex, u8, 4> = Queue::new();
    /// let reg: SharedRegistry<CriticalSectionRawMutex, u8, 2> = SharedRegistry::new();
    /// let sub = reg.subscribe_pattern("news", &INBOX, Overflow::Wait).unwrap();
    /// reg.exchange("news").unwrap().try_send(7).unwrap();
    /// assert_eq!(sub.unsubscribe().delivered, 1);
    /// ```
    pub fn unsubscribe(mut self) -> Stats {
        self.end()
    }

    /// Removes the entry from the registry, closes it and detaches it everywhere.
    /// Idempotent: a second call finds nothing attached.
    fn end(&mut self) -> Stats {
        if let Some(registry) = self.registry.upgrade() {
            registry.table.with_lock(|t| {
                t.patterns.retain(|p| !Arc::ptr_eq(p, &self.entry));
            });
        }
        let attached = self.entry.follow.with_lock(|f| {
            f.open = false;
            core::mem::take(&mut f.attached)
        });
        let mut total = Stats::default();
        for (exchange, id) in attached {
            if let Some(stats) = exchange.upgrade().and_then(|e| e.detach(id)) {
                total.delivered += stats.delivered;
                total.dropped += stats.dropped;
                total.refused += stats.refused;
            }
        }
        total
    }
}

impl<R: ScopedRawMutex, T: 'static, const S: usize> Drop for SharedPatternSubscription<R, T, S> {
    fn drop(&mut self) {
        self.end();
    }
}

impl<R: ScopedRawMutex, T: 'static, const S: usize> fmt::Debug
    for SharedPatternSubscription<R, T, S>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedPatternSubscription")
            .field("pattern", &self.entry.pattern)
            .finish_non_exhaustive()
    }
}
