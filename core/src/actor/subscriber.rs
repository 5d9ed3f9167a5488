//! An actor's address as an exchange subscriber (recipe 12.11 feeding 12.10): the
//! actor layer implements the exchange's [`Subscriber`] trait, so the exchange
//! needs to know nothing about actors.

use crate::queue::QueueStore;

use super::Addr;
use crate::exchange::{Refused, Subscriber};

/// An actor's [`Addr`] subscribes with a clone of each
/// message: the exchange sends to the actor's mailbox with
/// [`try_send`](Addr::try_send). A full mailbox refuses with
/// [`Refused::Full`], a closed one with [`Refused::Closed`]. An address can only
/// send, so it cannot discard the mailbox's oldest message (the default
/// [`discard_oldest`](Subscriber::discard_oldest)): under `DropOldest` a full
/// mailbox drops the new message instead, as `DropNewest` does. Subscribe the
/// [`Mailbox`](super::Mailbox)'s [`queue`](super::Mailbox::queue)
/// for a true `DropOldest`.
///
/// ```
/// use spindle_core::actor::Mailbox;
/// use spindle_core::exchange::{Exchange, Overflow};
/// use spindle_core::raw::SpinRawMutex;
///
/// let mailbox: Mailbox<SpinRawMutex, u32, 4> = Mailbox::new();
/// let addr = mailbox.addr();
/// let ex: Exchange<SpinRawMutex, u32, 4> = Exchange::new();
/// let sub = ex.subscribe(&addr, Overflow::Wait).unwrap();
/// ex.try_send(1).unwrap();
/// ex.try_send(2).unwrap();
/// assert_eq!(sub.unsubscribe().delivered, 2);
/// assert_eq!(mailbox.try_recv(), Ok(1));
/// assert_eq!(mailbox.try_recv(), Ok(2));
/// ```
impl<R: QueueStore, T: Clone> Subscriber<T> for Addr<'_, R, T> {
    fn try_deliver(&self, msg: &T) -> Result<(), Refused> {
        self.try_send(msg.clone()).map_err(Refused::from)
    }
}
