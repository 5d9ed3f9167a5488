//! A bare-metal-shaped consumer of spindle-core: `#![no_std]`, `#![no_main]`, its own
//! panic handler and critical-section implementation, using each primitive through
//! the try, async (via `block_on_with`) and interrupt-safe paths, and running an
//! actor and an exchange on the cooperative scheduler. (ci/freestanding goes
//! further: it links and runs such a program.)
#![no_std]
#![no_main]

use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};

use spindle_core::actor::{Mailbox, Reply};
use spindle_core::exchange::{Exchange, Overflow};
use spindle_core::sched::{RunQueue, Scheduler, Task};

use spindle_core::queue::{spsc, PriorityQueue, Queue, Tracked};
use spindle_core::raw::{CriticalSectionRawMutex, NoopRawMutex, SpinRawMutex};
use spindle_core::sync::ordered::{acquire, OrderedMutex};
use spindle_core::sync::{
    BoundedSemaphore, Condvar, Event, Mutex, Notify, Oneshot, ReentrantMutex, Semaphore, WaitGroup,
};
use spindle_core::wait::{block_on_with, SpinRelax};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// A single-core critical section: stands in for "mask interrupts" on a real target.
struct SingleCore;
critical_section::set_impl!(SingleCore);

static IRQ_MASKED: AtomicBool = AtomicBool::new(false);

// SAFETY: on the single-core targets this stands in for, masking interrupts is the
// whole of the exclusion; here an atomic flag records it.
unsafe impl critical_section::Impl for SingleCore {
    unsafe fn acquire() -> bool {
        IRQ_MASKED.swap(true, Ordering::Acquire)
    }
    unsafe fn release(was_masked: bool) {
        IRQ_MASKED.store(was_masked, Ordering::Release);
    }
}

static SHARED: Mutex<CriticalSectionRawMutex, u32> = Mutex::new(0);
static READY: Event<CriticalSectionRawMutex> = Event::new();
static SLOTS: Semaphore<SpinRawMutex> = Semaphore::new(2);
static BOUNDED: BoundedSemaphore<SpinRawMutex> = BoundedSemaphore::new(1);
static RESULT: Oneshot<CriticalSectionRawMutex, u32> = Oneshot::new();
static DONE: WaitGroup<SpinRawMutex> = WaitGroup::new();
static KICK: Notify<SpinRawMutex> = Notify::new();
static CHANGED: Condvar<SpinRawMutex> = Condvar::new();
static FORK_A: OrderedMutex<SpinRawMutex, u8> = OrderedMutex::new("a", 0);
static FORK_B: OrderedMutex<SpinRawMutex, u8> = OrderedMutex::new("b", 0);
static SAMPLES: Queue<CriticalSectionRawMutex, u16, 8> = Queue::new();
static URGENT: PriorityQueue<CriticalSectionRawMutex, u8, u16, 4> = PriorityQueue::new();
static PROCESSED: Event<CriticalSectionRawMutex> = Event::new();
static TRACKED: Queue<SpinRawMutex, Tracked<u16, &'static Event<CriticalSectionRawMutex>>, 2> =
    Queue::new();

/// What an interrupt handler would do: try-lock, set an event, complete a result.
#[no_mangle]
pub extern "C" fn spindle_irq() {
    if let Ok(mut n) = SHARED.try_lock() {
        *n += 1;
    }
    let _ = RESULT.send(7);
    let _ = SAMPLES.try_send(0x1234);
    let _ = URGENT.try_send(3, 0xbeef);
    READY.set();
    KICK.notify_one();
}

/// The main loop's side: waits with `block_on_with` and a spinning relax.
#[no_mangle]
pub extern "C" fn spindle_main() -> u32 {
    block_on_with(READY.wait(), SpinRelax);
    let value = block_on_with(RESULT.recv(), SpinRelax).unwrap_or(0);
    let permit = block_on_with(SLOTS.acquire(), SpinRelax);
    drop(permit);
    let _ = BOUNDED.release();
    block_on_with(KICK.notified(), SpinRelax);
    let _ = DONE.add(1);
    let _ = DONE.done();
    block_on_with(DONE.wait(), SpinRelax);
    let guard = block_on_with(SHARED.lock(), SpinRelax);
    let guard = block_on_with(CHANGED.wait_until(guard, |n| *n > 0), SpinRelax);
    let total = *guard + value;
    drop(guard);
    let local: ReentrantMutex<NoopRawMutex, u32> = ReentrantMutex::new(1);
    let outer = local.try_lock().map(|g| *g).unwrap_or(0);
    let forks = acquire([&FORK_B, &FORK_A])
        .map(|g| g[0] + g[1])
        .unwrap_or(0);
    let sample = block_on_with(SAMPLES.recv(), SpinRelax).unwrap_or(0);
    let urgent = URGENT.try_recv().map(|(_, v)| v).unwrap_or(0);
    let _ = TRACKED.try_send(Tracked::new(sample, &PROCESSED));
    let tracked = TRACKED.try_recv().map(Tracked::finish).unwrap_or(0);
    block_on_with(PROCESSED.wait(), SpinRelax);
    let mut ring: spsc::Ring<u8, 4> = spsc::Ring::new();
    let (mut tx, mut rx) = ring.split();
    let _ = tx.try_push(1);
    let ringed = rx.try_pop().unwrap_or(0);
    total
        + scheduled()
        + outer
        + u32::from(forks)
        + u32::from(sample)
        + u32::from(urgent)
        + u32::from(tracked)
        + u32::from(ringed)
}

static RUN_QUEUE: RunQueue<2> = RunQueue::new();

/// An actor answering an `ask`, and an exchange fanning out to a queue, as tasks
/// of the cooperative scheduler (idling with a spinning relax).
fn scheduled() -> u32 {
    let slot: Oneshot<NoopRawMutex, u32> = Oneshot::new();
    let mailbox: Mailbox<NoopRawMutex, (u32, Reply<'_, NoopRawMutex, u32>), 2> = Mailbox::new();
    let inbox: Queue<SpinRawMutex, u32, 2> = Queue::new();
    let news: Exchange<'_, SpinRawMutex, u32, 1> = Exchange::new();
    let Ok(_sub) = news.subscribe(&inbox, Overflow::Wait) else {
        return 0;
    };
    let Ok(sched) = Scheduler::with_run_queue(&RUN_QUEUE) else {
        return 0;
    };
    let actor = pin!(Task::new(mailbox.run((
        (),
        |_: &mut (), (x, reply): (u32, Reply<'_, NoopRawMutex, u32>)| {
            let _ = reply.send(x * 2);
        }
    ))));
    let client = pin!(Task::new(async {
        let addr = mailbox.addr();
        let answer = match addr.ask(&slot, |r| (21, r)).await {
            Ok(promise) => promise.get().await.unwrap_or(0),
            Err(_) => 0,
        };
        addr.close();
        let _ = news.send(answer).await;
        inbox.recv().await.unwrap_or(0)
    }));
    let _ = sched.spawn(actor);
    let Ok(mut client) = sched.spawn(client) else {
        return 0;
    };
    sched.run_with(SpinRelax);
    client.try_take().unwrap_or(0)
}
