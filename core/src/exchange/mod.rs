//! Publish/subscribe: recipe 12.11's exchange, without a heap.
//!
//! - [`Exchange`]: a hub with a fixed table of `S` subscriber slots. Every message
//!   sent is offered to every attached [`Subscriber`] (a spindle queue, a closure,
//!   a [`Tap`], an actor's address, anything implementing the trait), each with its
//!   own [`Overflow`] policy for when it is full (wait, drop newest, drop oldest or
//!   error) and its own [`Stats`]; every send returns a [`Report`]. Nothing is
//!   dropped silently.
//! - [`Exchange::subscribe`] returns a [`Subscription`] guard that detaches on drop:
//!   the book's `with exc.subscribe(task):` context manager.
//! - [`Registry`]: named exchanges (the book's `get_exchange(name)`) and topic
//!   pattern subscriptions (`sensors/+/temp`, `sensors/#`) that follow every
//!   matching exchange, including those created later. Fixed capacity, no heap.
//! - `SharedRegistry` (feature `alloc`): the same, growing without limit; exchanges
//!   are handed out as `Arc`s.
//! - [`Broadcast`]: the other flavour, for many readers of one stream: one ring
//!   shared by every subscriber (each a cursor), lagging readers told how many
//!   messages they missed, the publisher never waits (tokio's `broadcast`).
//! - [`Tap`]: a diagnostic subscriber that numbers and shows messages, the book's
//!   `DisplayMessages`.
//!
//! | Python (recipe 12.11) | spindle |
//! |---|---|
//! | `exc = get_exchange('name')` | `let exc = registry.exchange("name")?;` |
//! | `exc.attach(task)` / `exc.detach(task)` | `let id = exc.attach(&task, Overflow::Wait)?;` / `exc.detach(id)` |
//! | `with exc.subscribe(task_a, task_b):` | `let _a = exc.subscribe(&task_a, policy)?; let _b = ...;` |
//! | `exc.send(msg)` | `exc.try_send(msg)`, `exc.send(msg).await`, `exc.send_blocking(msg)` |
//! | `exc.attach(DisplayMessages())` | `let _t = exc.tap(&Tap::new(\|n, m\| ...))?;` |
//!
//! A subscriber must outlive the exchange's borrow of it (`'a`): declare the
//! subscribers before the exchange, or make both `static`.
//!
//! ```
//! use spindle_core::exchange::{Exchange, Overflow, Tap};
//! use spindle_core::queue::Queue;
//! use spindle_core::raw::CriticalSectionRawMutex;
//!
//! static INBOX: Queue<CriticalSectionRawMutex, u32, 4> = Queue::new();
//! static NEWS: Exchange<CriticalSectionRawMutex, u32, 4> = Exchange::new();
//! static LOG: Tap<fn(usize, &u32)> = Tap::new(|n, msg| println!("msg[{n}]: {msg}"));
//!
//! let _tap = NEWS.tap(&LOG).unwrap();
//! let _sub = NEWS.subscribe(&INBOX, Overflow::DropOldest).unwrap();
//! for n in 0..6 {
//!     NEWS.try_send(n).unwrap();
//! }
//! // INBOX kept the newest four; the two oldest were dropped, and counted.
//! assert_eq!(_sub.stats().unwrap().dropped, 2);
//! assert_eq!(INBOX.try_recv(), Ok(2));
//! assert_eq!(LOG.count(), 6);
//! ```

mod broadcast;
mod error;
#[allow(clippy::module_inception)]
mod exchange;
mod pattern;
mod policy;
mod registry;
#[cfg(feature = "alloc")]
mod shared;
mod subscriber;
mod tap;

pub use broadcast::{
    Broadcast, BroadcastReceiver, BroadcastRecvError, BroadcastRecvTimeoutError,
    BroadcastSendError, BroadcastTryRecvError,
};
pub use error::{ExchangeFull, InvalidTopic, PublishError, Refused, RegistryError};
pub use exchange::{Exchange, SubscriberId, SubscriberRef, Subscription};
pub use pattern::{is_valid_name, is_valid_pattern, topic_matches};
pub use policy::{Overflow, Report, Stats};
pub use registry::{PatternSubscription, Registry};
#[cfg(feature = "alloc")]
pub use shared::{SharedPatternSubscription, SharedRegistry};
pub use subscriber::{from_fn, FnSubscriber, Subscriber};
pub use tap::Tap;
