//! Deadlock avoidance by lock ordering (recipe 12.5).
//!
//! Every [`OrderedMutex`] has a place in one global order (its address, as the book
//! uses `id()`). [`acquire`] takes several at once, always in that order whatever
//! order they are named in, so two contexts can never each hold what the other
//! wants. Name the locks as an array when they guard the same type
//! (`acquire([&x, &y])`, guards indexed in naming order) or as a tuple when they
//! do not (`acquire((&counter, &log))`, a tuple of guards), as Python's
//! `acquire(*locks)` takes any locks. Each context also remembers what it holds:
//! taking a lock that sorts *before* one already held (the nesting that can
//! deadlock) is refused with a [`LockOrderError::Violation`] naming both locks,
//! where the book raises `RuntimeError('Lock Order Violation')`; taking one it
//! already holds is [`LockOrderError::AlreadyHeld`].
//!
//! "Context" is the OS thread under `std`, and the [`context`](crate::context) id
//! otherwise (a table of [`MAX_CONTEXTS`] contexts, each holding at most
//! [`MAX_HELD`] ordered locks).
//!
//! ```
//! use spindle_core::raw::ParkingRawMutex;
//! use spindle_core::sync::ordered::{acquire, LockOrderError, OrderedMutex};
//!
//! let x: OrderedMutex<ParkingRawMutex, i32> = OrderedMutex::new("x", 1);
//! let y: OrderedMutex<ParkingRawMutex, i32> = OrderedMutex::new("y", 2);
//!
//! // Named in either order, taken in the global order.
//! let mut both = acquire([&y, &x]).unwrap();
//! both[0] += 10; // y
//! drop(both);
//!
//! // Nesting against the order is caught, not deadlocked.
//! let (first, second) = if x.rank() < y.rank() { (&x, &y) } else { (&y, &x) };
//! let outer = acquire([second]).unwrap();
//! let err = acquire([first]).unwrap_err();
//! assert!(matches!(err, LockOrderError::Violation { .. }));
//! drop(outer);
//!
//! // Locks of different types, as a tuple.
//! let log: OrderedMutex<ParkingRawMutex, Vec<String>> = OrderedMutex::new("log", Vec::new());
//! let (mut n, mut lines) = acquire((&x, &log)).unwrap();
//! *n += 1;
//! lines.push(format!("x is {}", *n));
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut, Index, IndexMut};

use mutex_traits::{ConstInit, ScopedRawMutex};

use super::mutex::{Mutex, MutexGuard};

/// How many ordered locks one context may hold at once.
pub const MAX_HELD: usize = 16;
/// How many contexts can hold ordered locks at once without `std`.
pub const MAX_CONTEXTS: usize = 8;

/// Why [`acquire`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockOrderError {
    /// `wanted` sorts before `held`, which this context already holds: taking it
    /// could deadlock against a context that takes them in the proper order.
    Violation {
        /// The lock already held.
        held: &'static str,
        /// The lock asked for.
        wanted: &'static str,
    },
    /// The same lock was named twice (taking it twice would deadlock).
    Duplicate {
        /// The lock named twice.
        name: &'static str,
    },
    /// This context already holds the lock (an ordered lock is not reentrant:
    /// taking it again would deadlock). Python's `RLock` is
    /// [`ReentrantMutex`](super::ReentrantMutex).
    AlreadyHeld {
        /// The lock asked for again.
        name: &'static str,
    },
    /// This context already holds [`MAX_HELD`] ordered locks, or (without `std`)
    /// [`MAX_CONTEXTS`] contexts already hold some.
    TooManyHeld,
}

impl fmt::Display for LockOrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockOrderError::Violation { held, wanted } => write!(
                f,
                "lock order violation: `{wanted}` requested while holding `{held}`, which comes after it"
            ),
            LockOrderError::Duplicate { name } => write!(f, "lock `{name}` named twice"),
            LockOrderError::AlreadyHeld { name } => write!(
                f,
                "lock `{name}` requested again while this context holds it (ordered locks are not reentrant)"
            ),
            LockOrderError::TooManyHeld => f.write_str("too many ordered locks held at once"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LockOrderError {}

/// A [`Mutex`] with a name and a place in the global lock order.
pub struct OrderedMutex<R, T> {
    name: &'static str,
    inner: Mutex<R, T>,
}

impl<R: ScopedRawMutex + ConstInit, T> OrderedMutex<R, T> {
    loom_const_fn! {
        /// A named ordered mutex. The name appears in lock-order errors.
        pub fn new(name: &'static str, value: T) -> Self {
            Self {
                name,
                inner: Mutex::new(value),
            }
        }
    }
}

impl<R: ScopedRawMutex, T> OrderedMutex<R, T> {
    /// The lock's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The lock's place in the global order (its address: stable while the lock is
    /// borrowed, which it is while held).
    pub fn rank(&self) -> usize {
        self as *const Self as usize
    }

    /// Exclusive access without locking, through `&mut self`.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    fn entry(&self) -> held::Entry {
        held::Entry {
            key: &self.inner as *const _ as usize,
            rank: self.rank(),
            name: self.name,
        }
    }
}

impl<R: ScopedRawMutex, T: fmt::Debug> fmt::Debug for OrderedMutex<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderedMutex")
            .field("name", &self.name)
            .field("inner", &self.inner)
            .finish()
    }
}

/// Takes every lock in `locks`, blocking, in the global order; the guards come back
/// in the order the locks were named. Refuses with an error, taking nothing, if the
/// set would break the lock order for this context.
///
/// `locks` is an array of locks of one type (the guards are an [`OrderedGuards`],
/// indexed as named) or a tuple of up to eight locks of any types (the guards are
/// a tuple of [`OrderedGuard`]s): see [`LockSet`].
///
/// ```
/// use spindle_core::raw::ParkingRawMutex;
/// use spindle_core::sync::ordered::{acquire, LockOrderError, OrderedMutex};
///
/// static X: OrderedMutex<ParkingRawMutex, i32> = OrderedMutex::new("x", 0);
/// static LOG: OrderedMutex<ParkingRawMutex, Vec<&str>> = OrderedMutex::new("log", Vec::new());
///
/// let (mut x, mut log) = acquire((&X, &LOG)).unwrap();
/// *x += 1;
/// log.push("x incremented");
/// assert_eq!(acquire([&X]).unwrap_err(), LockOrderError::AlreadyHeld { name: "x" });
/// ```
pub fn acquire<'a, L: LockSet<'a>>(locks: L) -> Result<L::Guards, LockOrderError> {
    locks.acquire_set()
}

/// What [`acquire`] takes: an array `[&OrderedMutex<R, T>; N]` of locks of one
/// type, or a tuple `(&OrderedMutex<R, A>, &OrderedMutex<R, B>, ...)` of one to
/// eight locks of any types. Sealed: implemented here only.
pub trait LockSet<'a>: sealed::Sealed {
    /// The guards [`acquire`] returns for this set.
    type Guards;
    #[doc(hidden)]
    fn acquire_set(self) -> Result<Self::Guards, LockOrderError>;
}

mod sealed {
    pub trait Sealed {}
}

/// Checks the set against this context's held locks and records it as held:
/// returns the indices of `entries` in lock order, the order to lock them in.
fn record<const K: usize>(entries: [held::Entry; K]) -> Result<[usize; K], LockOrderError> {
    let mut order: [usize; K] = core::array::from_fn(|i| i);
    order.sort_unstable_by_key(|&i| entries[i].rank);
    for w in order.windows(2) {
        if entries[w[0]].rank == entries[w[1]].rank {
            return Err(LockOrderError::Duplicate {
                name: entries[w[0]].name,
            });
        }
    }
    if K > 0 {
        held::push_all(order.iter().map(|&i| entries[i]))?;
    }
    Ok(order)
}

impl<R: ScopedRawMutex, T, const N: usize> sealed::Sealed for [&OrderedMutex<R, T>; N] {}

impl<'a, R: ScopedRawMutex, T, const N: usize> LockSet<'a> for [&'a OrderedMutex<R, T>; N] {
    type Guards = OrderedGuards<'a, R, T, N>;

    fn acquire_set(self) -> Result<Self::Guards, LockOrderError> {
        let order = record(self.map(OrderedMutex::entry))?;
        let mut guards: [Option<MutexGuard<'a, R, T>>; N] = core::array::from_fn(|_| None);
        for &i in &order {
            guards[i] = Some(self[i].inner.lock_blocking());
        }
        Ok(OrderedGuards {
            guards,
            _not_send: PhantomData,
        })
    }
}

macro_rules! tuple_lock_set {
    ($($T:ident $idx:tt $g:ident),+) => {
        impl<R: ScopedRawMutex, $($T),+> sealed::Sealed for ($(&OrderedMutex<R, $T>,)+) {}

        impl<'a, R: ScopedRawMutex, $($T),+> LockSet<'a> for ($(&'a OrderedMutex<R, $T>,)+) {
            type Guards = ($(OrderedGuard<'a, R, $T>,)+);

            fn acquire_set(self) -> Result<Self::Guards, LockOrderError> {
                let order = record([$(self.$idx.entry()),+])?;
                $(let mut $g = None;)+
                // Lock in the global order; each index names one tuple field.
                for i in order {
                    match i {
                        $($idx => $g = Some(self.$idx.inner.lock_blocking()),)+
                        _ => unreachable!("record returns indices of the set"),
                    }
                }
                Ok(($(OrderedGuard {
                    guard: match $g {
                        Some(g) => g,
                        None => unreachable!("every index is locked once"),
                    },
                    _not_send: PhantomData,
                },)+))
            }
        }
    };
}

tuple_lock_set!(A 0 a);
tuple_lock_set!(A 0 a, B 1 b);
tuple_lock_set!(A 0 a, B 1 b, C 2 c);
tuple_lock_set!(A 0 a, B 1 b, C 2 c, D 3 d);
tuple_lock_set!(A 0 a, B 1 b, C 2 c, D 3 d, E 4 e);
tuple_lock_set!(A 0 a, B 1 b, C 2 c, D 3 d, E 4 e, F 5 f);
tuple_lock_set!(A 0 a, B 1 b, C 2 c, D 3 d, E 4 e, F 5 f, G 6 g);
tuple_lock_set!(A 0 a, B 1 b, C 2 c, D 3 d, E 4 e, F 5 f, G 6 g, H 7 h);

/// The guard of one lock taken by a tuple [`acquire`]: dereferences to the value;
/// dropping it releases the lock and forgets it in this context's held set.
pub struct OrderedGuard<'a, R: ScopedRawMutex, T> {
    guard: MutexGuard<'a, R, T>,
    /// The held set is per context: the guard must stay where it was taken.
    _not_send: PhantomData<*const ()>,
}

impl<R: ScopedRawMutex, T> Deref for OrderedGuard<'_, R, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<R: ScopedRawMutex, T> DerefMut for OrderedGuard<'_, R, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<R: ScopedRawMutex, T> Drop for OrderedGuard<'_, R, T> {
    fn drop(&mut self) {
        held::remove(MutexGuard::mutex(&self.guard) as *const Mutex<R, T> as usize);
    }
}

impl<R: ScopedRawMutex, T: fmt::Debug> fmt::Debug for OrderedGuard<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.guard, f)
    }
}

/// The guards of one [`acquire`], indexable in the order the locks were named.
/// Dropping it releases every lock and forgets them in this context's held set.
pub struct OrderedGuards<'a, R: ScopedRawMutex, T, const N: usize> {
    // Always `Some` for every index; `Option` only to fill the array in lock order.
    guards: [Option<MutexGuard<'a, R, T>>; N],
    /// The held set is per context: the guards must stay where they were taken.
    _not_send: PhantomData<*const ()>,
}

impl<R: ScopedRawMutex, T, const N: usize> OrderedGuards<'_, R, T, N> {
    /// The value of the `i`-th named lock, if `i < N`.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.guards.get(i)?.as_deref()
    }

    /// The value of the `i`-th named lock, mutably, if `i < N`.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.guards.get_mut(i)?.as_deref_mut()
    }
}

impl<R: ScopedRawMutex, T, const N: usize> Index<usize> for OrderedGuards<'_, R, T, N> {
    type Output = T;
    /// # Panics
    /// If `i >= N`, as indexing an array does.
    fn index(&self, i: usize) -> &T {
        match self.guards[i].as_ref() {
            Some(g) => g.deref(),
            None => unreachable!("every guard is filled by acquire"),
        }
    }
}

impl<R: ScopedRawMutex, T, const N: usize> IndexMut<usize> for OrderedGuards<'_, R, T, N> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        match self.guards[i].as_mut() {
            Some(g) => g.deref_mut(),
            None => unreachable!("every guard is filled by acquire"),
        }
    }
}

impl<R: ScopedRawMutex, T, const N: usize> Drop for OrderedGuards<'_, R, T, N> {
    fn drop(&mut self) {
        for g in self.guards.iter().flatten() {
            held::remove(MutexGuard::mutex(g) as *const Mutex<R, T> as usize);
        }
    }
}

impl<R: ScopedRawMutex, T: fmt::Debug, const N: usize> fmt::Debug for OrderedGuards<'_, R, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.guards.iter().flatten().map(|g| &**g))
            .finish()
    }
}

/// The per-context record of held ordered locks.
mod held {
    use super::{LockOrderError, MAX_HELD};

    #[derive(Clone, Copy)]
    pub(super) struct Entry {
        /// Address of the lock's inner mutex (what the guard can name on drop).
        pub(super) key: usize,
        pub(super) rank: usize,
        pub(super) name: &'static str,
    }

    pub(super) type Held = heapless::Vec<Entry, MAX_HELD>;

    /// Checks the `locks` (sorted, lowest rank first) against what this context
    /// holds: none may be held already, and all must sort after every held lock.
    /// Records them as held.
    pub(super) fn push_all(
        locks: impl Iterator<Item = Entry> + Clone,
    ) -> Result<(), LockOrderError> {
        with_held(|held| {
            for l in locks.clone() {
                if held.iter().any(|e| e.key == l.key) {
                    return Err(LockOrderError::AlreadyHeld { name: l.name });
                }
            }
            if let (Some(top), Some(lowest)) =
                (held.iter().max_by_key(|e| e.rank), locks.clone().next())
            {
                if top.rank >= lowest.rank {
                    return Err(LockOrderError::Violation {
                        held: top.name,
                        wanted: lowest.name,
                    });
                }
            }
            let before = held.len();
            for entry in locks {
                if held.push(entry).is_err() {
                    held.truncate(before);
                    return Err(LockOrderError::TooManyHeld);
                }
            }
            Ok(())
        })?
    }

    pub(super) fn remove(key: usize) {
        let _ = with_held(|held| {
            if let Some(i) = held.iter().position(|e| e.key == key) {
                held.remove(i);
            }
        });
    }

    #[cfg(feature = "std")]
    fn with_held<U>(f: impl FnOnce(&mut Held) -> U) -> Result<U, LockOrderError> {
        use core::cell::RefCell;
        std::thread_local! {
            static HELD: RefCell<Held> = const { RefCell::new(heapless::Vec::new()) };
        }
        HELD.try_with(|h| f(&mut h.borrow_mut()))
            .map_err(|_| LockOrderError::TooManyHeld)
    }

    #[cfg(not(feature = "std"))]
    fn with_held<U>(f: impl FnOnce(&mut Held) -> U) -> Result<U, LockOrderError> {
        use super::MAX_CONTEXTS;
        use core::cell::RefCell;
        struct Slot {
            ctx: usize,
            held: Held,
        }
        static TABLE: critical_section::Mutex<RefCell<[Slot; MAX_CONTEXTS]>> =
            critical_section::Mutex::new(RefCell::new(
                [const {
                    Slot {
                        ctx: 0,
                        held: heapless::Vec::new(),
                    }
                }; MAX_CONTEXTS],
            ));
        let me = crate::context::current().get();
        critical_section::with(|cs| {
            let mut table = TABLE.borrow_ref_mut(cs);
            let idx = match table.iter().position(|s| s.ctx == me) {
                Some(i) => i,
                None => {
                    let free = table
                        .iter()
                        .position(|s| s.ctx == 0 || s.held.is_empty())
                        .ok_or(LockOrderError::TooManyHeld)?;
                    table[free].ctx = me;
                    free
                }
            };
            Ok(f(&mut table[idx].held))
        })
    }
}
