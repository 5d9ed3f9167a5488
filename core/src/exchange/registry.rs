//! [`Registry`]: named exchanges (the book's `get_exchange(name)`) in a fixed table,
//! and pattern subscriptions that follow every exchange whose name matches, those
//! that exist and those created later.

use core::fmt;

use mutex::BlockingMutex;
use mutex_traits::{ConstInit, ScopedRawMutex};

use super::exchange::{Exchange, SubscriberId, SubscriberRef};
use super::pattern::{is_valid_name, is_valid_pattern, topic_matches};
use super::policy::{Overflow, RegistryError, Stats};

struct PatternEntry<'a, T, const E: usize> {
    pattern: &'a str,
    sub: SubscriberRef<'a, T>,
    policy: Overflow,
    generation: usize,
    /// Per exchange index, the attachment this pattern made there.
    attached: [Option<SubscriberId>; E],
    /// Matching exchanges it could not attach to (they were full).
    missed: usize,
}

impl<'a, T, const E: usize> PatternEntry<'a, T, E> {
    /// Attaches to exchange `index` if the pattern matches its `name`.
    fn follow<R: ScopedRawMutex, const S: usize>(
        &mut self,
        index: usize,
        name: &str,
        exchange: &Exchange<'a, R, T, S>,
    ) {
        if self.attached[index].is_none() && topic_matches(self.pattern, name) {
            match exchange.attach(self.sub, self.policy) {
                Ok(id) => self.attached[index] = Some(id),
                Err(_) => self.missed += 1,
            }
        }
    }
}

struct Names<'a, T, const E: usize, const P: usize> {
    names: [Option<&'a str>; E],
    patterns: [Option<PatternEntry<'a, T, E>>; P],
    next_generation: usize,
}

/// Up to `E` named exchanges of up to `S` subscribers each, and up to `P` pattern
/// subscriptions: recipe 12.11's `exchanges = defaultdict(Exchange)` without a heap.
///
/// | Python | spindle |
/// |---|---|
/// | `get_exchange('name')` | [`exchange`](Self::exchange)`("name")?` (creates it on first use) |
/// | `exchanges.get('name')` | [`get`](Self::get)`("name")` |
/// | (pattern matching, the book's suggested extension) | [`subscribe_pattern`](Self::subscribe_pattern)`("sensors/+/temp", &sub, policy)` |
///
/// ```
/// use spindle_core::exchange::{Overflow, Registry};
/// use spindle_core::queue::Queue;
/// use spindle_core::raw::SpinRawMutex;
///
/// let temps: Queue<SpinRawMutex, f32, 8> = Queue::new();
/// let reg: Registry<SpinRawMutex, f32, 4, 4> = Registry::new();
/// let kitchen = reg.exchange("sensors/kitchen/temp").unwrap();
/// let _follow = reg.subscribe_pattern("sensors/+/temp", &temps, Overflow::DropOldest).unwrap();
/// let hall = reg.exchange("sensors/hall/temp").unwrap(); // created later: followed too
/// kitchen.try_send(21.5).unwrap();
/// hall.try_send(19.0).unwrap();
/// reg.exchange("sensors/hall/humidity").unwrap().try_send(40.0).unwrap(); // no match
/// assert_eq!((temps.try_recv(), temps.try_recv(), temps.len()), (Ok(21.5), Ok(19.0), 0));
/// ```
pub struct Registry<'a, R, T, const E: usize, const S: usize, const P: usize = 4> {
    table: BlockingMutex<R, Names<'a, T, E, P>>,
    exchanges: [Exchange<'a, R, T, S>; E],
}

impl<'a, R: ScopedRawMutex + ConstInit, T, const E: usize, const S: usize, const P: usize>
    Registry<'a, R, T, E, S, P>
{
    loom_const_fn! {
        /// An empty registry. `const`, so it can initialise a `static`.
        pub fn new() -> Self {
            Self {
                table: BlockingMutex::new(Names {
                    names: [None; E],
                    patterns: no_patterns::<T, E, P>(),
                    next_generation: 1,
                }),
                exchanges: exchanges::<R, T, E, S>(),
            }
        }
    }
}

#[cfg(not(loom))]
const fn no_patterns<'a, T, const E: usize, const P: usize>() -> [Option<PatternEntry<'a, T, E>>; P]
{
    [const { None }; P]
}

#[cfg(loom)]
fn no_patterns<'a, T, const E: usize, const P: usize>() -> [Option<PatternEntry<'a, T, E>>; P] {
    core::array::from_fn(|_| None)
}

#[cfg(not(loom))]
const fn exchanges<'a, R: ScopedRawMutex + ConstInit, T, const E: usize, const S: usize>(
) -> [Exchange<'a, R, T, S>; E] {
    [const { Exchange::new() }; E]
}

#[cfg(loom)]
fn exchanges<'a, R: ScopedRawMutex + ConstInit, T, const E: usize, const S: usize>(
) -> [Exchange<'a, R, T, S>; E] {
    core::array::from_fn(|_| Exchange::new())
}

impl<R: ScopedRawMutex + ConstInit, T, const E: usize, const S: usize, const P: usize> Default
    for Registry<'_, R, T, E, S, P>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, R: ScopedRawMutex, T, const E: usize, const S: usize, const P: usize>
    Registry<'a, R, T, E, S, P>
{
    /// The exchange named `name`, created on first use (Python's
    /// `get_exchange(name)`). A new exchange starts with every pattern subscription
    /// that matches its name attached.
    ///
    /// Errors: [`RegistryError::InvalidTopic`] for an empty name or one with `+` or
    /// `#`; [`RegistryError::ExchangesFull`] when all `E` names are taken.
    ///
    /// The registry keeps `name` itself, with no heap, so the name must live as
    /// long as the registry's borrow `'a`: a string literal, or a name stored
    /// somewhere that outlives the registry. A name built at run time
    /// (`&format!("sensors/{room}/temp")`) is refused by the compiler (`E0597`,
    /// borrowed value does not live long enough); for those, use
    /// `SharedRegistry` (feature `alloc`), which copies
    /// names and grows without limit.
    pub fn exchange(&self, name: &'a str) -> Result<&Exchange<'a, R, T, S>, RegistryError> {
        if !is_valid_name(name) {
            return Err(RegistryError::InvalidTopic);
        }
        let index = self.table.with_lock(|t| {
            if let Some(i) = t.names.iter().position(|n| *n == Some(name)) {
                return Ok(i);
            }
            let i = t
                .names
                .iter()
                .position(Option::is_none)
                .ok_or(RegistryError::ExchangesFull)?;
            t.names[i] = Some(name);
            for entry in t.patterns.iter_mut().flatten() {
                entry.follow(i, name, &self.exchanges[i]);
            }
            Ok(i)
        })?;
        Ok(&self.exchanges[index])
    }

    /// The exchange named `name`, if it was created.
    pub fn get(&self, name: &str) -> Option<&Exchange<'a, R, T, S>> {
        let index = self
            .table
            .with_lock(|t| t.names.iter().position(|n| *n == Some(name)))?;
        Some(&self.exchanges[index])
    }

    /// How many exchanges have been created.
    pub fn len(&self) -> usize {
        self.table
            .with_lock(|t| t.names.iter().filter(|n| n.is_some()).count())
    }

    /// Whether no exchange has been created yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Attaches `sub` to every exchange whose name matches `pattern` (see
    /// [`topic_matches`]), now and as matching exchanges are created, until the
    /// returned guard is dropped. A matching exchange with no free slot is skipped
    /// and counted in [`PatternSubscription::missed`].
    ///
    /// Errors: [`RegistryError::InvalidTopic`] for a malformed pattern,
    /// [`RegistryError::PatternsFull`] when all `P` pattern slots are taken.
    pub fn subscribe_pattern(
        &self,
        pattern: &'a str,
        sub: SubscriberRef<'a, T>,
        policy: Overflow,
    ) -> Result<PatternSubscription<'_, 'a, R, T, E, S, P>, RegistryError> {
        if !is_valid_pattern(pattern) {
            return Err(RegistryError::InvalidTopic);
        }
        let (slot, generation) = self.table.with_lock(|t| {
            let slot = t
                .patterns
                .iter()
                .position(Option::is_none)
                .ok_or(RegistryError::PatternsFull)?;
            let generation = t.next_generation;
            t.next_generation = t.next_generation.wrapping_add(1).max(1);
            let mut entry = PatternEntry {
                pattern,
                sub,
                policy,
                generation,
                attached: [None; E],
                missed: 0,
            };
            for (i, name) in t.names.iter().enumerate() {
                if let Some(name) = name {
                    entry.follow(i, name, &self.exchanges[i]);
                }
            }
            t.patterns[slot] = Some(entry);
            Ok((slot, generation))
        })?;
        Ok(PatternSubscription {
            registry: self,
            slot,
            generation,
            active: true,
        })
    }

    /// Runs `f` on the pattern entry `slot` if it still has `generation`.
    fn with_pattern<U>(
        &self,
        slot: usize,
        generation: usize,
        f: impl FnOnce(&PatternEntry<'a, T, E>) -> U,
    ) -> Option<U> {
        self.table.with_lock(|t| match &t.patterns[slot] {
            Some(e) if e.generation == generation => Some(f(e)),
            _ => None,
        })
    }

    /// Removes the pattern entry and detaches it everywhere; the summed counters.
    fn unsubscribe_pattern(&self, slot: usize, generation: usize) -> Stats {
        let entry = self.table.with_lock(|t| match &t.patterns[slot] {
            Some(e) if e.generation == generation => t.patterns[slot].take(),
            _ => None,
        });
        let mut total = Stats::default();
        if let Some(entry) = entry {
            for (i, id) in entry.attached.iter().enumerate() {
                if let Some(stats) = id.and_then(|id| self.exchanges[i].detach(id)) {
                    total.delivered += stats.delivered;
                    total.dropped += stats.dropped;
                    total.refused += stats.refused;
                }
            }
        }
        total
    }
}

impl<R, T, const E: usize, const S: usize, const P: usize> fmt::Debug
    for Registry<'_, R, T, E, S, P>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("exchanges", &E)
            .field("subscribers_each", &S)
            .field("patterns", &P)
            .finish_non_exhaustive()
    }
}

/// A pattern subscription (from [`Registry::subscribe_pattern`]); dropping it
/// detaches the subscriber from every exchange it followed.
#[must_use = "the pattern subscription ends as soon as the guard is dropped"]
pub struct PatternSubscription<
    'r,
    'a,
    R: ScopedRawMutex,
    T,
    const E: usize,
    const S: usize,
    const P: usize,
> {
    registry: &'r Registry<'a, R, T, E, S, P>,
    slot: usize,
    generation: usize,
    active: bool,
}

impl<R: ScopedRawMutex, T, const E: usize, const S: usize, const P: usize>
    PatternSubscription<'_, '_, R, T, E, S, P>
{
    /// How many exchanges it is attached to now.
    pub fn attached(&self) -> usize {
        self.registry
            .with_pattern(self.slot, self.generation, |e| {
                e.attached.iter().flatten().count()
            })
            .unwrap_or(0)
    }

    /// How many matching exchanges it could not attach to because they were full.
    pub fn missed(&self) -> usize {
        self.registry
            .with_pattern(self.slot, self.generation, |e| e.missed)
            .unwrap_or(0)
    }

    /// The subscriber's counters summed over every exchange it follows.
    pub fn stats(&self) -> Stats {
        let registry = self.registry;
        registry
            .with_pattern(self.slot, self.generation, |e| {
                let mut total = Stats::default();
                for (i, id) in e.attached.iter().enumerate() {
                    if let Some(s) = id.and_then(|id| registry.exchanges[i].stats(id)) {
                        total.delivered += s.delivered;
                        total.dropped += s.dropped;
                        total.refused += s.refused;
                    }
                }
                total
            })
            .unwrap_or_default()
    }

    /// Ends the subscription now; the final counters, summed.
    pub fn unsubscribe(mut self) -> Stats {
        self.active = false;
        self.registry
            .unsubscribe_pattern(self.slot, self.generation)
    }
}

impl<R: ScopedRawMutex, T, const E: usize, const S: usize, const P: usize> Drop
    for PatternSubscription<'_, '_, R, T, E, S, P>
{
    fn drop(&mut self) {
        if self.active {
            self.registry
                .unsubscribe_pattern(self.slot, self.generation);
        }
    }
}

impl<R: ScopedRawMutex, T, const E: usize, const S: usize, const P: usize> fmt::Debug
    for PatternSubscription<'_, '_, R, T, E, S, P>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PatternSubscription")
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}
