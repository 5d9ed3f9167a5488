//! [`Tap`]: a diagnostic subscriber that numbers and shows every message, the
//! book's `DisplayMessages`.

use core::fmt;

use super::error::Refused;
use super::subscriber::Subscriber;
use crate::loom::{AtomicUsize, Ordering};

/// A subscriber for diagnostics: counts the messages it sees and hands each one,
/// with its number (from 1), to a closure, e.g. to print or log it. It never refuses.
/// Attach it with [`Exchange::tap`](super::Exchange::tap).
///
/// ```
/// use spindle_core::exchange::{Exchange, Tap};
/// use spindle_core::raw::SpinRawMutex;
///
/// let display = Tap::new(|n, msg: &&str| println!("msg[{n}]: {msg:?}"));
/// let exc: Exchange<SpinRawMutex, &str, 2> = Exchange::new();
/// let _tap = exc.tap(&display).unwrap();
/// exc.try_send("hello").unwrap(); // prints msg[1]: "hello"
/// assert_eq!(display.count(), 1);
/// ```
pub struct Tap<F> {
    seen: AtomicUsize,
    show: F,
}

impl<F> Tap<F> {
    loom_const_fn! {
        /// A tap that calls `show(n, msg)` for the `n`-th message it sees. `const`,
        /// so a tap can be a `static`.
        pub fn new(show: F) -> Self {
            Self {
                seen: AtomicUsize::new(0),
                show,
            }
        }
    }

    /// How many messages it has seen.
    pub fn count(&self) -> usize {
        self.seen.load(Ordering::Relaxed)
    }
}

impl<T, F: Fn(usize, &T)> Subscriber<T> for Tap<F> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        (self.show)(n, msg);
        Ok(())
    }
}

impl<F> fmt::Debug for Tap<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tap").field("count", &self.count()).finish()
    }
}
