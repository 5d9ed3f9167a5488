//! spindle-core's publish/subscribe exchange (recipe 12.11) with the OS-parking raw
//! exclusion ([`RawMutex`](crate::sync::RawMutex)) chosen, so std code names
//! `Exchange<T, 8>` or `SharedRegistry<T, 8>` without a lock parameter.
//!
//! Every alias is the core type itself: the exchange's docs, errors and
//! subscribers ([`Tap`], queues, actor addresses, [`from_fn`]) are
//! [`spindle_core::exchange`]'s.
//!
//! Which registry: [`Registry`] has a fixed table and borrows its names for `'a`
//! (string literals, or names that outlive it); [`SharedRegistry`] grows, takes
//! names made at run time (`format!`) and hands out `Arc`s.
//!
//! ```
//! use spindle_std::exchange::{Overflow, SharedRegistry};
//! use spindle_std::queue::Queue;
//!
//! static TEMPS: Queue<f32, 8> = Queue::new();
//! let reg: SharedRegistry<f32, 4> = SharedRegistry::new();
//! let _follow = reg.subscribe_pattern("sensors/+/temp", &TEMPS, Overflow::DropOldest).unwrap();
//! for room in ["kitchen", "hall"] {
//!     let name = format!("sensors/{room}/temp"); // a run-time name
//!     reg.exchange(&name).unwrap().try_send(20.0).unwrap();
//! }
//! assert_eq!(TEMPS.len(), 2);
//! ```

use spindle_core::exchange as core_exchange;
use spindle_core::raw::ParkingRawMutex;

pub use spindle_core::exchange::{
    from_fn, is_valid_name, is_valid_pattern, topic_matches, ExchangeFull, FnSubscriber, Overflow,
    PublishError, Refused, RegistryError, Report, Stats, Subscriber, SubscriberId, SubscriberRef,
    Tap,
};

/// [`spindle_core::exchange::Exchange`] for OS threads: `S` subscriber slots.
pub type Exchange<'a, T, const S: usize> = core_exchange::Exchange<'a, ParkingRawMutex, T, S>;
/// The guard of a subscription to an [`Exchange`]: detaches on drop.
pub type Subscription<'e, 'a, T, const S: usize> =
    core_exchange::Subscription<'e, 'a, ParkingRawMutex, T, S>;
/// [`spindle_core::exchange::Registry`] for OS threads: `E` named exchanges of `S`
/// slots, `P` pattern subscriptions. Names are borrowed for `'a`; for names built
/// at run time use [`SharedRegistry`].
pub type Registry<'a, T, const E: usize, const S: usize, const P: usize = 4> =
    core_exchange::Registry<'a, ParkingRawMutex, T, E, S, P>;
/// The guard of a [`Registry`] pattern subscription.
pub type PatternSubscription<'r, 'a, T, const E: usize, const S: usize, const P: usize = 4> =
    core_exchange::PatternSubscription<'r, 'a, ParkingRawMutex, T, E, S, P>;
/// [`spindle_core::exchange::SharedRegistry`] for OS threads: any number of named
/// exchanges of `S` slots, names made at run time welcome.
pub type SharedRegistry<T, const S: usize> = core_exchange::SharedRegistry<ParkingRawMutex, T, S>;
/// The guard of a [`SharedRegistry`] pattern subscription.
pub type SharedPatternSubscription<T, const S: usize> =
    core_exchange::SharedPatternSubscription<ParkingRawMutex, T, S>;
