//! The shared-ring publish/subscribe flavour (`exchange::Broadcast`, recipe 12.11):
//! every receiver sees every message in order, lag is reported exactly, nothing is
//! published to nobody, close drains, and waiting receivers wake across threads.

use std::time::Duration;

use spindle_core::exchange::{
    Broadcast, BroadcastRecvError, BroadcastRecvTimeoutError, BroadcastSendError,
    BroadcastTryRecvError,
};
use spindle_core::raw::{NoopRawMutex, ParkingRawMutex};

#[test]
fn every_receiver_sees_every_message_in_order() {
    let b: Broadcast<NoopRawMutex, u32, 8> = Broadcast::new();
    let mut rx: Vec<_> = (0..3).map(|_| b.subscribe()).collect();
    for n in 0..8 {
        assert_eq!(b.try_send(n), Ok(3));
    }
    for r in &mut rx {
        assert_eq!(r.len(), 8);
        for n in 0..8 {
            assert_eq!(r.try_recv(), Ok(n));
        }
        assert_eq!(r.try_recv(), Err(BroadcastTryRecvError::Empty));
        assert!(r.is_empty());
    }
}

#[test]
fn lag_is_reported_exactly_then_the_oldest_kept_message_follows() {
    let b: Broadcast<NoopRawMutex, u32, 4> = Broadcast::new();
    let mut r = b.subscribe();
    for n in 0..10 {
        b.try_send(n).unwrap();
    }
    assert_eq!(r.len(), 4);
    assert_eq!(r.try_recv(), Err(BroadcastTryRecvError::Lagged(6)));
    for n in 6..10 {
        assert_eq!(r.try_recv(), Ok(n));
    }
    assert_eq!(r.try_recv(), Err(BroadcastTryRecvError::Empty));
}

#[test]
fn a_message_for_nobody_comes_back() {
    let b: Broadcast<NoopRawMutex, String, 2> = Broadcast::new();
    let err = b.try_send("lost?".to_owned()).unwrap_err();
    assert!(matches!(err, BroadcastSendError::NoReceivers(_)));
    assert_eq!(err.into_inner(), "lost?");
    let r = b.subscribe();
    assert_eq!(b.receiver_count(), 1);
    drop(r);
    assert_eq!(b.receiver_count(), 0);
    assert!(matches!(
        b.try_send("again".to_owned()),
        Err(BroadcastSendError::NoReceivers(_))
    ));
}

#[test]
fn close_drains_then_reports_closed_and_refuses_publishes() {
    let b: Broadcast<NoopRawMutex, u32, 4> = Broadcast::new();
    let mut r = b.subscribe();
    b.try_send(1).unwrap();
    assert!(b.close());
    assert!(!b.close());
    assert!(b.is_closed());
    assert_eq!(b.try_send(2).unwrap_err().into_inner(), 2);
    assert_eq!(r.try_recv(), Ok(1));
    assert_eq!(r.try_recv(), Err(BroadcastTryRecvError::Closed));
    assert_eq!(r.recv_blocking(), Err(BroadcastRecvError::Closed));
}

#[test]
fn a_late_subscriber_starts_at_the_present() {
    let b: Broadcast<NoopRawMutex, u32, 4> = Broadcast::new();
    let _early = b.subscribe();
    b.try_send(1).unwrap();
    let mut late = b.subscribe();
    assert_eq!(late.try_recv(), Err(BroadcastTryRecvError::Empty));
    b.try_send(2).unwrap();
    assert_eq!(late.try_recv(), Ok(2));
}

#[test]
fn receivers_on_other_threads_wake_for_every_message() {
    static NEWS: Broadcast<ParkingRawMutex, u64, 64> = Broadcast::new();
    const MESSAGES: u64 = 20_000;
    let ready = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let ready = &ready;
                s.spawn(move || {
                    let mut r = NEWS.subscribe();
                    ready.wait();
                    let (mut got, mut missed, mut last) = (0u64, 0u64, None);
                    loop {
                        match r.recv_blocking() {
                            Ok(n) => {
                                // In order, never twice.
                                assert!(last.is_none_or(|l| n > l));
                                last = Some(n);
                                got += 1;
                            }
                            Err(BroadcastRecvError::Lagged(k)) => missed += k as u64,
                            Err(BroadcastRecvError::Closed) => break,
                        }
                    }
                    (got, missed)
                })
            })
            .collect();
        ready.wait();
        for n in 0..MESSAGES {
            NEWS.try_send(n).unwrap();
            if n % 32 == 0 {
                std::thread::yield_now();
            }
        }
        NEWS.close();
        for h in readers {
            let (got, missed) = h.join().unwrap();
            // Every message was either read or reported as missed.
            assert_eq!(got + missed, MESSAGES);
        }
    });
}

#[test]
fn a_receive_times_out_and_a_dropped_wait_loses_nothing() {
    let b: Broadcast<ParkingRawMutex, u32, 4> = Broadcast::new();
    let mut r = b.subscribe();
    assert_eq!(
        r.recv_timeout(Duration::from_millis(5)),
        Err(BroadcastRecvTimeoutError::TimedOut)
    );
    b.try_send(7).unwrap();
    assert_eq!(r.recv_timeout(Duration::from_secs(5)), Ok(7));
}

#[test]
fn overwritten_messages_are_dropped_once() {
    use std::rc::Rc;
    let b: Broadcast<NoopRawMutex, Rc<()>, 2> = Broadcast::new();
    let token = Rc::new(());
    let r = b.subscribe();
    for _ in 0..5 {
        b.try_send(token.clone()).unwrap();
    }
    // The ring holds the newest two; the other three clones were dropped.
    assert_eq!(Rc::strong_count(&token), 3);
    drop(r);
    drop(b);
    assert_eq!(Rc::strong_count(&token), 1);
}
