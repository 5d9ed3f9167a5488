//! OS threads with the handles Python's `threading` gives and a few it leaves to
//! you: recipes 12.1 (starting and stopping threads), 12.2 (knowing that a thread
//! has started, and the book's `PeriodicTimer`), the watchdog of 12.5's discussion,
//! and 12.6's per-object thread-local state.
//!
//! Everything is built on [`std::thread`] and spindle's own primitives: a
//! [`JoinHandle`] learns that its thread finished from a [`Oneshot`] the thread
//! fills on exit (also when it panics), so `is_alive` and `join_timeout` need no
//! polling, and a panic comes back from `join` as an error value carrying the
//! panic message rather than as a second panic.
//!
//! | Python | spindle |
//! |---|---|
//! | `Thread(target=f, name=n).start()` | [`Builder::new().name(n).spawn(f)`](Builder::spawn), or [`spawn(f)`](spawn) |
//! | `threading.stack_size(n)` | [`Builder::stack_size`] (per thread, not global) |
//! | `t.is_alive()` / `t.join()` / `t.join(timeout)` | [`JoinHandle::is_alive`] / [`join`](JoinHandle::join) / [`join_timeout`](JoinHandle::join_timeout) |
//! | `Thread(..., daemon=True)` | drop the handle, or [`JoinHandle::detach`] |
//! | `CountdownTask.terminate()` | [`StopSource::stop`]; the thread checks its [`StopToken`] |
//! | `sock.settimeout(t)` + `recv` loop | [`StopToken::read`] over a reader with a read timeout |
//! | `started_evt.set()` / `.wait()` | [`Builder::spawn_started`], [`JoinHandle::wait_started`] |
//! | the book's `PeriodicTimer` | [`PeriodicTimer`], one [`TickListener`] per waiting thread |
//! | a watchdog timer (12.5) | [`Watchdog`] and its [`Pet`] handles |
//! | `threading.local()` in an object | [`PerThread<T>`] |
//!
//! [`Oneshot`]: crate::sync::Oneshot
//!
//! ```
//! use std::time::Duration;
//! use spindle_std::thread::{Builder, StopSource};
//!
//! // The book's CountdownTask, stopped at a safe point.
//! let stop = StopSource::new();
//! let token = stop.token();
//! let t = Builder::new()
//!     .name("countdown")
//!     .spawn(move || {
//!         let mut n = 0;
//!         while token.sleep(Duration::from_millis(5)).is_ok() {
//!             n += 1; // "T-minus n"
//!         }
//!         n
//!     })
//!     .unwrap();
//! assert!(t.is_alive());
//! stop.stop(); // terminate()
//! let _ticks: u32 = t.join().unwrap();
//! ```

mod builder;
mod handle;
mod local;
mod stop;
mod timer;
mod watchdog;

pub use builder::{spawn, Builder, SpawnError, StartSignal};
pub use handle::{JoinError, JoinHandle, StoppableHandle};
pub use local::{InUse, PerThread};
pub use stop::{ReadError, StopSource, StopToken, Stopped};
pub use timer::{PeriodicTimer, Tick, TickError, TickListener, TimerError};
pub use watchdog::{Pet, Watchdog};
