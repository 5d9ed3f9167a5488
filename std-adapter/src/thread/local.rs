//! [`PerThread`]: per-object thread-local state, recipe 12.6's `threading.local()`
//! inside the book's `LazyConnection`, where each thread that uses one shared
//! object gets its own socket. Built on the [`thread_local`](mod@thread_local) crate.

use std::cell::RefCell;
use std::fmt;
use std::thread::ThreadId;

use thread_local::ThreadLocal;

/// A value of which every thread has its own copy, kept in an ordinary (shareable)
/// object rather than a `static`: Python's `self.local = threading.local()`.
///
/// Each thread starts with no value ([`is_set`](Self::is_set) is Python's
/// `hasattr`), [`set`](Self::set)s one, uses it through [`with`](Self::with), and
/// [`take`](Self::take)s it out again (`del self.local.sock`). Other threads never
/// see it. The owner, holding `&mut`, can visit every thread's value
/// ([`iter_mut`](Self::iter_mut)) to gather per-thread tallies.
///
/// Unlike Python's `local`, a value outlives its thread until it is taken, the
/// `PerThread` is [`clear`](Self::clear)ed or dropped (so the owner can still
/// gather it). A later thread never inherits it, though the [`thread_local`](mod@thread_local) crate
/// hands the slots of finished threads to new ones: values are tagged with the
/// [`ThreadId`] that set them, which is never reused.
///
/// A thread that uses its value re-entrantly (`set` inside its own `with`) gets
/// [`InUse`] instead of a panic.
///
/// ```
/// use spindle_std::thread::PerThread;
///
/// let counts: PerThread<u32> = PerThread::new();
/// std::thread::scope(|s| {
///     for n in 1..=3 {
///         let counts = &counts;
///         s.spawn(move || {
///             for _ in 0..n {
///                 counts.with_or_insert(|| 0, |c| *c += 1).unwrap();
///             }
///             assert_eq!(counts.with(|c| *c).unwrap(), Some(n)); // only my count
///         });
///     }
/// });
/// assert!(!counts.is_set()); // the main thread never set one
/// let mut counts = counts;
/// let mut all: Vec<u32> = counts.iter_mut().map(|c| *c).collect();
/// all.sort();
/// assert_eq!(all, [1, 2, 3]);
/// ```
pub struct PerThread<T: Send> {
    slots: ThreadLocal<RefCell<Vec<Slot<T>>>>,
}

/// A value and the thread that set it. A slot of the [`thread_local`](mod@thread_local) crate passes
/// to a new thread when its thread ends, so each keeps a short list: the live
/// thread's value (at most one) and values left by finished threads.
struct Slot<T> {
    owner: ThreadId,
    value: T,
}

fn mine<T>(slots: &[Slot<T>], me: ThreadId) -> Option<usize> {
    slots.iter().position(|s| s.owner == me)
}

impl<T: Send> PerThread<T> {
    /// No thread has a value yet.
    pub const fn new() -> Self {
        Self {
            slots: ThreadLocal::new(),
        }
    }

    fn cell(&self) -> &RefCell<Vec<Slot<T>>> {
        self.slots.get_or(|| RefCell::new(Vec::new()))
    }

    /// Whether the calling thread has a value (Python's `hasattr(local, name)`);
    /// true also while the value is in use by an enclosing [`with`](Self::with).
    pub fn is_set(&self) -> bool {
        match self.cell().try_borrow() {
            Ok(slots) => mine(&slots, std::thread::current().id()).is_some(),
            Err(_) => true,
        }
    }

    /// Sets the calling thread's value, returning the previous one. If the value is
    /// in use by an enclosing [`with`](Self::with), `value` comes back in the error.
    ///
    /// ```
    /// let local = spindle_std::thread::PerThread::new();
    /// assert_eq!(local.set("a").unwrap(), None);
    /// assert_eq!(local.set("b").unwrap(), Some("a"));
    /// ```
    pub fn set(&self, value: T) -> Result<Option<T>, InUse<T>> {
        let Ok(mut slots) = self.cell().try_borrow_mut() else {
            return Err(InUse(value));
        };
        let owner = std::thread::current().id();
        Ok(match mine(&slots, owner) {
            Some(i) => Some(std::mem::replace(&mut slots[i].value, value)),
            None => {
                slots.push(Slot { owner, value });
                None
            }
        })
    }

    /// Removes and returns the calling thread's value (Python's `del
    /// local.name`), `None` if it had none.
    ///
    /// ```
    /// let local = spindle_std::thread::PerThread::new();
    /// local.set(7).unwrap();
    /// assert_eq!(local.take().unwrap(), Some(7));
    /// assert!(!local.is_set());
    /// ```
    pub fn take(&self) -> Result<Option<T>, InUse> {
        let Ok(mut slots) = self.cell().try_borrow_mut() else {
            return Err(InUse(()));
        };
        let me = std::thread::current().id();
        Ok(mine(&slots, me).map(|i| slots.swap_remove(i).value))
    }

    /// Runs `f` on the calling thread's value: `Ok(None)` if it has none.
    ///
    /// ```
    /// let local = spindle_std::thread::PerThread::new();
    /// assert_eq!(local.with(|v: &mut String| v.len()).unwrap(), None);
    /// local.set(String::from("abc")).unwrap();
    /// assert_eq!(local.with(|v| v.len()).unwrap(), Some(3));
    /// // Re-entrant use is an error, not a panic:
    /// local.with(|_| assert!(local.set(String::new()).is_err())).unwrap();
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<Option<R>, InUse> {
        let Ok(mut slots) = self.cell().try_borrow_mut() else {
            return Err(InUse(()));
        };
        let me = std::thread::current().id();
        Ok(mine(&slots, me).map(|i| f(&mut slots[i].value)))
    }

    /// Runs `f` on the calling thread's value, first setting it to `init()` if it
    /// has none.
    ///
    /// ```
    /// let hits = spindle_std::thread::PerThread::new();
    /// for _ in 0..3 {
    ///     hits.with_or_insert(|| 0, |n| *n += 1).unwrap();
    /// }
    /// assert_eq!(hits.with(|n| *n).unwrap(), Some(3));
    /// ```
    pub fn with_or_insert<R>(
        &self,
        init: impl FnOnce() -> T,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, InUse> {
        let Ok(mut slots) = self.cell().try_borrow_mut() else {
            return Err(InUse(()));
        };
        let owner = std::thread::current().id();
        let i = match mine(&slots, owner) {
            Some(i) => i,
            None => {
                slots.push(Slot {
                    owner,
                    value: init(),
                });
                slots.len() - 1
            }
        };
        Ok(f(&mut slots[i].value))
    }

    /// Every thread's value, including those of threads that have finished (only
    /// the owner, holding `&mut`, can look).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots
            .iter_mut()
            .flat_map(|cell| cell.get_mut().iter_mut().map(|s| &mut s.value))
    }

    /// Consumes the `PerThread`, yielding every thread's value.
    pub fn into_values(self) -> impl Iterator<Item = T> {
        self.slots
            .into_iter()
            .flat_map(|cell| cell.into_inner().into_iter().map(|s| s.value))
    }

    /// Drops every thread's value.
    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

impl<T: Send> Default for PerThread<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerThread")
            .field("set_here", &self.is_set())
            .finish()
    }
}

/// The calling thread's value is borrowed by an enclosing call on the same
/// thread ([`PerThread::with`] or [`PerThread::with_or_insert`]); a value that
/// could not be stored comes back inside.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct InUse<T = ()>(pub T);

impl<T> fmt::Debug for InUse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InUse(..)")
    }
}

impl<T> fmt::Display for InUse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this thread's value is in use by an enclosing call on the same thread")
    }
}

impl<T> std::error::Error for InUse<T> {}
