//! Deadlock avoidance by lock ordering (recipe 12.5).
//!
//! Every [`OrderedMutex`] has a place in one global order (its address, as the book
//! uses `id()`). [`acquire`] takes several at once, always in that order whatever
//! order they are named in, so two contexts can never each hold what the other
//! wants. Each context also remembers what it holds: taking a lock that sorts
//! *before* one already held (the nesting that can deadlock) is refused with a
//! [`LockOrderError::Violation`] naming both locks, where the book raises
//! `RuntimeError('Lock Order Violation')`.
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
pub fn acquire<'a, R: ScopedRawMutex, T, const N: usize>(
    locks: [&'a OrderedMutex<R, T>; N],
) -> Result<OrderedGuards<'a, R, T, N>, LockOrderError> {
    let mut order: [usize; N] = core::array::from_fn(|i| i);
    order.sort_unstable_by_key(|&i| locks[i].rank());
    for w in order.windows(2) {
        if locks[w[0]].rank() == locks[w[1]].rank() {
            return Err(LockOrderError::Duplicate {
                name: locks[w[0]].name,
            });
        }
    }
    let Some(&lowest) = order.first() else {
        return Ok(OrderedGuards {
            guards: core::array::from_fn(|_| None),
            _not_send: PhantomData,
        });
    };
    let held = held::push_all(locks[lowest], order.iter().map(|&i| locks[i]))?;
    debug_assert!(held);
    let mut guards: [Option<MutexGuard<'a, R, T>>; N] = core::array::from_fn(|_| None);
    for &i in &order {
        guards[i] = Some(locks[i].inner.lock_blocking());
    }
    Ok(OrderedGuards {
        guards,
        _not_send: PhantomData,
    })
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
    use super::{LockOrderError, OrderedMutex, MAX_HELD};
    use mutex_traits::ScopedRawMutex;

    #[derive(Clone, Copy)]
    pub(super) struct Entry {
        /// Address of the lock's inner mutex (what the guard can name on drop).
        key: usize,
        rank: usize,
        name: &'static str,
    }

    pub(super) type Held = heapless::Vec<Entry, MAX_HELD>;

    /// Checks that every lock in `locks` (sorted, `lowest` first) sorts after all
    /// that this context holds, and records them as held.
    pub(super) fn push_all<'a, R: ScopedRawMutex + 'a, T: 'a>(
        lowest: &OrderedMutex<R, T>,
        locks: impl Iterator<Item = &'a OrderedMutex<R, T>>,
    ) -> Result<bool, LockOrderError> {
        with_held(|held| {
            if let Some(top) = held.iter().max_by_key(|e| e.rank) {
                if top.rank >= lowest.rank() {
                    return Err(LockOrderError::Violation {
                        held: top.name,
                        wanted: lowest.name,
                    });
                }
            }
            let before = held.len();
            for l in locks {
                let entry = Entry {
                    key: &l.inner as *const _ as usize,
                    rank: l.rank(),
                    name: l.name,
                };
                if held.push(entry).is_err() {
                    held.truncate(before);
                    return Err(LockOrderError::TooManyHeld);
                }
            }
            Ok(true)
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
