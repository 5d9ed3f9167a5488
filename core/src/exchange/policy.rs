//! What an exchange does when a subscriber cannot take a message now, and the
//! counters and reports that make every outcome visible. (The errors are in
//! `error.rs`.)

/// What [`Exchange`](super::Exchange) does when a subscriber is full.
///
/// Whatever the policy, nothing is lost silently: every message a subscriber did not
/// get is counted in its [`Stats`] and in the [`Report`] of the send.
///
/// ```
/// use spindle_core::exchange::Overflow;
/// assert_eq!(Overflow::default(), Overflow::Wait);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Wait for room: [`send`](super::Exchange::send)`.await` and
    /// [`send_blocking`](super::Exchange::send_blocking) wait for this subscriber;
    /// [`try_send`](super::Exchange::try_send), which never waits, counts it refused.
    #[default]
    Wait,
    /// Drop the new message for this subscriber (counted as dropped).
    DropNewest,
    /// Make room by discarding the subscriber's oldest unread message (counted as
    /// dropped), then deliver. A subscriber that cannot discard drops the new one.
    DropOldest,
    /// Do not deliver, and make the send return an error (counted as refused).
    Error,
}

/// One subscriber's counters since it was attached (snapshots while sends run).
///
/// ```
/// use spindle_core::exchange::Stats;
/// let s = Stats { delivered: 3, dropped: 1, refused: 0 };
/// assert_eq!(s.offered(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Messages the subscriber accepted.
    pub delivered: usize,
    /// Messages dropped by the `DropNewest`/`DropOldest` policies (a discarded oldest
    /// message counts here too).
    pub dropped: usize,
    /// Messages refused: by the `Error` policy, by `Wait` in a `try_send`, or because
    /// the subscriber was closed.
    pub refused: usize,
}

impl Stats {
    /// Every outcome counted: `delivered + dropped + refused`. This is the number of
    /// messages offered, except that a message delivered and later discarded by
    /// `DropOldest` counts twice (delivered, then dropped).
    pub fn offered(&self) -> usize {
        self.delivered + self.dropped + self.refused
    }
}

/// What one send did, summed over the subscribers attached when it began.
///
/// ```
/// use spindle_core::exchange::Report;
/// let r = Report { delivered: 2, dropped: 0, refused: 0 };
/// assert!(r.is_complete());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// Subscribers that got the message.
    pub delivered: usize,
    /// Messages dropped by overflow policies (a discarded oldest one included).
    pub dropped: usize,
    /// Subscribers that refused it (see [`Stats::refused`]).
    pub refused: usize,
}

impl Report {
    /// Whether every subscriber got the message and nothing was dropped.
    pub fn is_complete(&self) -> bool {
        self.dropped == 0 && self.refused == 0
    }
}
