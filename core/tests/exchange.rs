//! The exchange of recipe 12.11: attach/detach, scoped subscriptions, overflow
//! policies and their counters, taps, named exchanges and topic patterns.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex as StdMutex;
use std::thread;
use std::time::Duration;

use spindle_core::exchange::{
    from_fn, is_valid_pattern, topic_matches, Exchange, ExchangeFull, Overflow, PublishError,
    Refused, Registry, RegistryError, Report, Stats, Subscriber, Tap,
};
use spindle_core::queue::Queue;
use spindle_core::raw::ParkingRawMutex;
use spindle_core::wait::block_on;

type Raw = ParkingRawMutex;

fn drain<const N: usize>(q: &Queue<Raw, u32, N>) -> Vec<u32> {
    std::iter::from_fn(|| q.try_recv().ok()).collect()
}

#[test]
fn attach_send_detach() {
    let a: Queue<Raw, u32, 8> = Queue::new();
    let b: Queue<Raw, u32, 8> = Queue::new();
    let ex: Exchange<Raw, u32, 2> = Exchange::new();
    assert!(ex.is_empty());
    let ida = ex.attach(&a, Overflow::Wait).unwrap();
    let idb = ex.attach(&b, Overflow::Wait).unwrap();
    assert_eq!(ex.len(), 2);
    assert_eq!(ex.attach(&a, Overflow::Wait), Err(ExchangeFull));
    let r = ex.try_send(1).unwrap();
    assert_eq!(
        r,
        Report {
            delivered: 2,
            dropped: 0,
            refused: 0
        }
    );
    assert_eq!(
        ex.detach(ida),
        Some(Stats {
            delivered: 1,
            dropped: 0,
            refused: 0
        })
    );
    assert_eq!(ex.detach(ida), None, "a stale id detaches nothing");
    ex.try_send(2).unwrap();
    assert_eq!(drain(&a), [1]);
    assert_eq!(drain(&b), [1, 2]);
    // The freed slot is reused with fresh counters; the old id stays stale.
    let ida2 = ex.attach(&a, Overflow::Wait).unwrap();
    assert_eq!(ida2.slot(), ida.slot());
    assert_ne!(ida2, ida);
    assert_eq!(ex.stats(ida), None);
    assert_eq!(ex.stats(ida2), Some(Stats::default()));
    assert_eq!(ex.detach(idb).unwrap().delivered, 2);
}

#[test]
fn no_subscribers_is_fine() {
    let ex: Exchange<Raw, u32, 2> = Exchange::new();
    assert_eq!(ex.try_send(1).unwrap(), Report::default());
    assert_eq!(ex.send_blocking(1).unwrap(), Report::default());
    assert_eq!(block_on(ex.send(1)).unwrap(), Report::default());
}

#[test]
fn subscription_detaches_on_drop() {
    let q: Queue<Raw, u32, 8> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    {
        let sub = ex.subscribe(&q, Overflow::Wait).unwrap();
        ex.try_send(1).unwrap();
        assert_eq!(sub.stats().unwrap().delivered, 1);
        assert_eq!(ex.len(), 1);
    }
    assert!(ex.is_empty());
    ex.try_send(2).unwrap();
    let sub = ex.subscribe(&q, Overflow::Wait).unwrap();
    ex.try_send(3).unwrap();
    assert_eq!(sub.unsubscribe().delivered, 1);
    assert_eq!(drain(&q), [1, 3]);
}

#[test]
fn drop_newest_counts_drops() {
    let q: Queue<Raw, u32, 2> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let sub = ex.subscribe(&q, Overflow::DropNewest).unwrap();
    for n in 0..5 {
        let r = ex.try_send(n).unwrap();
        assert_eq!(r.is_complete(), n < 2);
    }
    assert_eq!(
        sub.stats().unwrap(),
        Stats {
            delivered: 2,
            dropped: 3,
            refused: 0
        }
    );
    assert_eq!(drain(&q), [0, 1]);
}

#[test]
fn drop_oldest_keeps_the_newest() {
    let q: Queue<Raw, u32, 2> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let sub = ex.subscribe(&q, Overflow::DropOldest).unwrap();
    for n in 0..5 {
        ex.try_send(n).unwrap();
    }
    let s = sub.unsubscribe();
    assert_eq!(
        s,
        Stats {
            delivered: 5,
            dropped: 3,
            refused: 0
        }
    );
    assert_eq!(drain(&q), [3, 4]);
}

#[test]
fn drop_oldest_without_discard_drops_newest() {
    struct Never;
    impl Subscriber<u32> for Never {
        fn try_deliver(&self, _: &u32) -> Result<(), Refused> {
            Err(Refused::Full)
        }
    }
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let sub = ex.subscribe(&Never, Overflow::DropOldest).unwrap();
    assert_eq!(ex.try_send(1).unwrap().dropped, 1);
    assert_eq!(
        sub.stats().unwrap(),
        Stats {
            delivered: 0,
            dropped: 1,
            refused: 0
        }
    );
}

#[test]
fn error_policy_and_closed_subscribers_refuse() {
    let full: Queue<Raw, u32, 1> = Queue::new();
    let closed: Queue<Raw, u32, 4> = Queue::new();
    let ok: Queue<Raw, u32, 4> = Queue::new();
    closed.close();
    let ex: Exchange<Raw, u32, 3> = Exchange::new();
    let f = ex.subscribe(&full, Overflow::Error).unwrap();
    let c = ex.subscribe(&closed, Overflow::DropNewest).unwrap();
    let o = ex.subscribe(&ok, Overflow::Error).unwrap();
    let Err(PublishError { report }) = ex.try_send(1) else {
        panic!("the closed queue refuses");
    };
    assert_eq!(
        report,
        Report {
            delivered: 2,
            dropped: 0,
            refused: 1
        }
    );
    let err = ex.send_blocking(2).unwrap_err();
    assert_eq!(
        err.report,
        Report {
            delivered: 1,
            dropped: 0,
            refused: 2
        }
    );
    assert!(err.to_string().contains("2 subscriber(s) refused"));
    assert_eq!(
        f.stats().unwrap(),
        Stats {
            delivered: 1,
            dropped: 0,
            refused: 1
        }
    );
    assert_eq!(
        c.stats().unwrap(),
        Stats {
            delivered: 0,
            dropped: 0,
            refused: 2
        }
    );
    assert_eq!(o.stats().unwrap().delivered, 2);
}

#[test]
fn try_send_refuses_a_full_waiting_subscriber() {
    let q: Queue<Raw, u32, 1> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let sub = ex.subscribe(&q, Overflow::Wait).unwrap();
    ex.try_send(1).unwrap();
    assert_eq!(ex.try_send(2).unwrap_err().report.refused, 1);
    assert_eq!(
        sub.stats().unwrap(),
        Stats {
            delivered: 1,
            dropped: 0,
            refused: 1
        }
    );
}

#[test]
fn send_blocking_waits_for_a_slow_subscriber() {
    let q: Queue<Raw, u32, 1> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let sub = ex.subscribe(&q, Overflow::Wait).unwrap();
    let got = thread::scope(|s| {
        let consumer = s.spawn(|| {
            (0..100)
                .map(|_| q.recv_blocking().unwrap())
                .collect::<Vec<_>>()
        });
        for n in 0..100 {
            assert!(ex.send_blocking(n).unwrap().is_complete());
        }
        consumer.join().unwrap()
    });
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert_eq!(sub.stats().unwrap().delivered, 100);
}

#[test]
fn async_send_waits_for_a_slow_subscriber() {
    let q: Queue<Raw, u32, 2> = Queue::new();
    let ex: Exchange<Raw, u32, 1> = Exchange::new();
    let _sub = ex.subscribe(&q, Overflow::Wait).unwrap();
    let sum = thread::scope(|s| {
        let consumer = s.spawn(|| (0..200).map(|_| q.recv_blocking().unwrap()).sum::<u32>());
        block_on(async {
            for n in 0..200 {
                assert_eq!(ex.send(n).await.unwrap().delivered, 1);
            }
        });
        consumer.join().unwrap()
    });
    assert_eq!(sum, (0..200).sum());
}

#[test]
fn detaching_a_stalled_subscriber_releases_the_send() {
    let q: Queue<Raw, u32, 1> = Queue::new();
    let other: Queue<Raw, u32, 4> = Queue::new();
    let ex: Exchange<Raw, u32, 2> = Exchange::new();
    let stalled = ex.attach(&q, Overflow::Wait).unwrap();
    let _o = ex.subscribe(&other, Overflow::Wait).unwrap();
    ex.try_send(0).unwrap();
    thread::scope(|s| {
        let sender = s.spawn(|| ex.send_blocking(1).unwrap());
        thread::sleep(Duration::from_millis(20));
        let stats = ex.detach(stalled).unwrap();
        assert_eq!(stats.delivered, 1);
        let report = sender.join().unwrap();
        // Detached mid-send: not delivered, and not counted as a drop.
        assert_eq!(report.dropped + report.refused, 0);
    });
    assert_eq!(drain(&q).len(), 1);
    assert_eq!(other.len(), 2);
}

#[test]
fn closures_and_taps() {
    let seen = StdMutex::new(Vec::new());
    let lines = StdMutex::new(Vec::new());
    let collect = from_fn(|m: &&str| seen.lock().unwrap().push(m.to_string()));
    let display = Tap::new(|n, m: &&str| lines.lock().unwrap().push(format!("msg[{n}]: {m:?}")));
    let ex: Exchange<Raw, &str, 2> = Exchange::new();
    let _c = ex.subscribe(&collect, Overflow::Wait).unwrap();
    let t = ex.tap(&display).unwrap();
    ex.try_send("hello").unwrap();
    ex.try_send("world").unwrap();
    drop(t);
    ex.try_send("unseen by the tap").unwrap();
    assert_eq!(display.count(), 2);
    assert_eq!(
        *lines.lock().unwrap(),
        ["msg[1]: \"hello\"", "msg[2]: \"world\""]
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn same_subscriber_twice_gets_each_message_twice() {
    let n = AtomicUsize::new(0);
    let count = from_fn(|_: &u8| {
        n.fetch_add(1, Ordering::Relaxed);
    });
    let ex: Exchange<Raw, u8, 4> = Exchange::new();
    let _a = ex.subscribe(&count, Overflow::Wait).unwrap();
    let _b = ex.subscribe(&count, Overflow::Wait).unwrap();
    ex.try_send(0).unwrap();
    assert_eq!(n.load(Ordering::Relaxed), 2);
}

#[test]
fn topic_patterns() {
    for (p, name, m) in [
        ("a/b", "a/b", true),
        ("a/b", "a/c", false),
        ("a/+", "a/b", true),
        ("a/+", "a", false),
        ("a/+", "a/b/c", false),
        ("+/b", "x/b", true),
        ("a/#", "a", true),
        ("a/#", "a/b/c", true),
        ("a/#", "b/c", false),
        ("#", "anything/at/all", true),
        ("a/+/c/#", "a/x/c/d/e", true),
        ("a/+/c/#", "a/x/d", false),
    ] {
        assert_eq!(topic_matches(p, name), m, "{p} vs {name}");
    }
    for bad in ["", "a/#/b", "a+", "a/b#", "#/a"] {
        assert!(!is_valid_pattern(bad), "{bad:?}");
    }
}

#[test]
fn registry_names_and_patterns() {
    let temps: Queue<Raw, u32, 16> = Queue::new();
    let all: Queue<Raw, u32, 16> = Queue::new();
    let reg: Registry<Raw, u32, 4, 2, 2> = Registry::new();
    assert_eq!(
        reg.exchange("a/+").unwrap_err(),
        RegistryError::InvalidTopic
    );
    let kitchen = reg.exchange("sensors/kitchen/temp").unwrap();
    assert!(std::ptr::eq(
        kitchen,
        reg.exchange("sensors/kitchen/temp").unwrap()
    ));
    assert!(reg.get("nope").is_none());

    let t = reg
        .subscribe_pattern("sensors/+/temp", &temps, Overflow::Wait)
        .unwrap();
    let a = reg
        .subscribe_pattern("sensors/#", &all, Overflow::Wait)
        .unwrap();
    assert_eq!(
        reg.subscribe_pattern("x", &all, Overflow::Wait)
            .unwrap_err(),
        RegistryError::PatternsFull
    );
    assert_eq!(
        reg.subscribe_pattern("a/#/b", &all, Overflow::Wait)
            .unwrap_err(),
        RegistryError::InvalidTopic
    );
    let hall = reg.exchange("sensors/hall/temp").unwrap();
    let hum = reg.exchange("sensors/hall/humidity").unwrap();
    assert_eq!((t.attached(), a.attached()), (2, 3));
    kitchen.try_send(1).unwrap();
    hall.try_send(2).unwrap();
    hum.try_send(3).unwrap();
    assert_eq!(drain(&temps), [1, 2]);
    assert_eq!(drain(&all), [1, 2, 3]);
    assert_eq!(t.stats().delivered, 2);
    assert_eq!(t.unsubscribe().delivered, 2);
    assert_eq!(kitchen.len(), 1);
    drop(a);
    assert!(kitchen.is_empty() && hall.is_empty() && hum.is_empty());

    // Full names; full exchanges are skipped and counted.
    reg.exchange("other").unwrap();
    assert_eq!(reg.len(), 4);
    assert_eq!(
        reg.exchange("fifth").unwrap_err(),
        RegistryError::ExchangesFull
    );
    let x: Queue<Raw, u32, 1> = Queue::new();
    let _f1 = kitchen.subscribe(&x, Overflow::Wait).unwrap();
    let _f2 = kitchen.subscribe(&x, Overflow::Wait).unwrap();
    let p = reg
        .subscribe_pattern("sensors/#", &all, Overflow::Wait)
        .unwrap();
    assert_eq!((p.attached(), p.missed()), (2, 1));
}

#[test]
fn static_exchange_and_registry() {
    static INBOX: Queue<Raw, u32, 4> = Queue::new();
    static EX: Exchange<Raw, u32, 2> = Exchange::new();
    static REG: Registry<Raw, u32, 2, 2> = Registry::new();
    let _s = EX.subscribe(&INBOX, Overflow::Wait).unwrap();
    EX.try_send(7).unwrap();
    let _p = REG.subscribe_pattern("#", &INBOX, Overflow::Wait).unwrap();
    REG.exchange("x").unwrap().try_send(8).unwrap();
    assert_eq!((INBOX.try_recv(), INBOX.try_recv()), (Ok(7), Ok(8)));
}

#[test]
fn errors_display() {
    assert!(ExchangeFull.to_string().contains("slot"));
    assert!(RegistryError::InvalidTopic.to_string().contains("pattern"));
    assert_eq!(Refused::Closed.to_string(), "subscriber closed");
}
