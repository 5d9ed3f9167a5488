//! The board: this program's whole hardware abstraction layer. On a microcontroller
//! this module would poke registers; here the host plays the board, and its only
//! contact with the outside is seven raw Linux system calls (x86_64 numbers), made
//! with `asm!` so that no libc is linked:
//!
//! | board feature | firmware analogue | system call |
//! |---|---|---|
//! | [`Console`] | a UART's data register | `write` |
//! | [`exit`] | a reset / semihosting exit | `exit_group` |
//! | [`start_timer`], [`stop_timer`] | a SysTick / timer peripheral | `setitimer` (`SIGALRM` every period) |
//! | the timer interrupt vector | the vector table | `rt_sigaction`, with our own `sa_restorer` calling `rt_sigreturn` |
//! | [`CriticalSection`] | `cpsid i` / `cpsie i` | `rt_sigprocmask` (mask `SIGALRM`) |
//! | [`wait_for_event`] | `wfe` | `rt_sigprocmask` + `rt_sigsuspend` |
//!
//! The board owns the reset vector (`_start`); the entry point and the timer
//! interrupt handler are the application's: like the vector table entries that
//! `cortex-m-rt` links by name, the board calls the Rust functions `entry` and
//! `timer_isr` that the application defines with `#[no_mangle]`.
//!
//! The board also supplies the few memory routines the compiler emits calls to
//! (`memcpy`, `memset`, ...), which libc would provide on a hosted target.

use core::arch::{asm, naked_asm};
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

// x86_64 Linux system call numbers.
const SYS_WRITE: usize = 1;
const SYS_RT_SIGACTION: usize = 13;
const SYS_RT_SIGPROCMASK: usize = 14;
const SYS_RT_SIGRETURN: usize = 15;
const SYS_SETITIMER: usize = 38;
const SYS_RT_SIGSUSPEND: usize = 130;
const SYS_EXIT_GROUP: usize = 231;

/// The signal that plays the timer interrupt.
const SIGALRM: usize = 14;
/// `SIGALRM`'s bit in a kernel signal set (signal `n` is bit `n - 1`).
const TIMER_MASK: u64 = 1 << (SIGALRM - 1);
/// The kernel's signal sets are one 64-bit word on x86_64.
const SIGSET_SIZE: usize = 8;
const SIG_BLOCK: usize = 0;
const SIG_UNBLOCK: usize = 1;
const SIG_SETMASK: usize = 2;
/// The handler returns through `sa_restorer` (mandatory on x86_64).
const SA_RESTORER: u64 = 0x0400_0000;
/// Interrupted system calls resume (the ISR is invisible to the main code).
const SA_RESTART: u64 = 0x1000_0000;
const ITIMER_REAL: usize = 0;

/// A raw system call with up to four arguments; returns the kernel's result
/// (negative errno on failure).
///
/// # Safety
/// The arguments must be valid for system call `nr` (pointers to live memory of
/// the sizes the kernel reads or writes).
#[inline(always)]
unsafe fn syscall4(nr: usize, a: usize, b: usize, c: usize, d: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller vouches for the arguments; `syscall` clobbers rcx and r11
    // and nothing else besides rax, and touches no stack.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            in("r10") d,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Ends the program with `code` (all threads: there is only one).
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes a plain integer and does not return.
    unsafe {
        syscall4(SYS_EXIT_GROUP, code as usize, 0, 0, 0);
    }
    // exit_group cannot return; stop here if it somehow did.
    loop {
        core::hint::spin_loop();
    }
}

/// Writes all of `bytes` to standard output (the board's UART).
pub fn write_all(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe the live slice `bytes`.
        let n = unsafe { syscall4(SYS_WRITE, 1, bytes.as_ptr() as usize, bytes.len(), 0) };
        match n {
            n if n > 0 => bytes = &bytes[n as usize..],
            -4 => {}     // EINTR: try again
            _ => return, // nowhere to report it: a UART drops bytes too
        }
    }
}

/// Standard output as a [`fmt::Write`]: `writeln!(Console, ...)`.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_all(s.as_bytes());
        Ok(())
    }
}

/// Writes `n` in decimal, without `core::fmt` (for the footprint programs, which
/// must not pull the formatting machinery into their baseline).
#[allow(dead_code)] // the footprint programs share this module; this one does not
pub fn write_u32(mut n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    write_all(&buf[i..]);
}

// ---- the timer interrupt ----------------------------------------------------------

/// The kernel's `struct sigaction` on x86_64 (not libc's: no padding of the mask).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// The kernel's `struct itimerval`: the period, then the first expiry.
#[repr(C)]
struct Itimerval {
    interval_sec: i64,
    interval_usec: i64,
    value_sec: i64,
    value_usec: i64,
}

/// Set by the board on every timer interrupt, cleared by [`wait_for_event`]: the
/// event register that makes `sev` / `wfe` free of lost wake-ups.
static EVENT: AtomicBool = AtomicBool::new(false);

extern "Rust" {
    /// The application's timer interrupt handler (its vector table entry).
    fn timer_isr();
    /// The application's entry point (what `cortex-m-rt` calls `#[entry]`).
    fn entry() -> !;
}

/// The entry point the kernel jumps to, with the stack pointer at `argc` (the
/// reset vector). Aligns the stack as the C ABI wants and calls the application.
// SAFETY (naked): the body is the whole function, in asm; it uses no stack frame of
// its own, aligns `rsp` before the call, and never returns (`ud2` after it).
#[unsafe(naked)]
#[no_mangle]
extern "C" fn _start() -> ! {
    naked_asm!(
        "xor ebp, ebp",
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym start,
    )
}

extern "C" fn start() -> ! {
    // SAFETY: `entry` is the application's plain Rust entry function.
    unsafe { entry() }
}

/// The signal handler the kernel calls: the timer interrupt's entry. The kernel
/// masks `SIGALRM` while it runs, so it never nests (as an interrupt does not
/// preempt itself).
extern "C" fn timer_entry(_signal: i32) {
    // SAFETY: `timer_isr` is the application's handler, a plain Rust function; it
    // runs with the timer masked, like any interrupt handler.
    unsafe { timer_isr() };
    // Interrupt exit sets the event register (as on a Cortex-M).
    EVENT.store(true, Ordering::Release);
}

/// Returns from a signal handler: the kernel jumps here when `timer_entry`
/// returns, with the saved context on the stack, and `rt_sigreturn` restores it.
// SAFETY (naked): no prologue may touch the stack the kernel left (the saved
// context `rt_sigreturn` reads); the asm is the whole function and never returns.
#[unsafe(naked)]
extern "C" fn restorer() -> ! {
    naked_asm!("mov eax, {nr}", "syscall", "ud2", nr = const SYS_RT_SIGRETURN)
}

/// Installs the timer interrupt handler and starts the timer: `SIGALRM` every
/// `period_us` microseconds. Returns `false` if the kernel refused.
pub fn start_timer(period_us: i64) -> bool {
    let action = KernelSigaction {
        handler: timer_entry as extern "C" fn(i32) as usize,
        flags: SA_RESTORER | SA_RESTART,
        restorer: restorer as extern "C" fn() -> ! as usize,
        mask: TIMER_MASK,
    };
    // SAFETY: `action` is a valid kernel sigaction whose handler and restorer are
    // functions of this program; no old action is asked for.
    let installed = unsafe {
        syscall4(
            SYS_RT_SIGACTION,
            SIGALRM,
            &action as *const KernelSigaction as usize,
            0,
            SIGSET_SIZE,
        )
    };
    installed == 0 && set_timer(period_us)
}

/// Stops the timer (from anywhere, the ISR included). Returns `false` if the kernel
/// refused.
pub fn stop_timer() -> bool {
    set_timer(0)
}

fn set_timer(period_us: i64) -> bool {
    let t = Itimerval {
        interval_sec: period_us / 1_000_000,
        interval_usec: period_us % 1_000_000,
        value_sec: period_us / 1_000_000,
        value_usec: period_us % 1_000_000,
    };
    // SAFETY: `t` is a valid itimerval; no old value is asked for.
    unsafe {
        syscall4(
            SYS_SETITIMER,
            ITIMER_REAL,
            &t as *const Itimerval as usize,
            0,
            0,
        ) == 0
    }
}

/// Changes the signal mask with `how`; returns the previous mask.
///
/// Kept out of line: on a Cortex-M masking interrupts is one 2-byte instruction,
/// so a critical section inlined at every site would make the footprint programs
/// (ci/footprint) measure this board's system call sequence, not the primitive.
#[inline(never)]
fn sigprocmask(how: usize, set: u64) -> u64 {
    let mut old = 0u64;
    // SAFETY: both pointers are to live 8-byte signal sets.
    unsafe {
        syscall4(
            SYS_RT_SIGPROCMASK,
            how,
            &set as *const u64 as usize,
            &mut old as *mut u64 as usize,
            SIGSET_SIZE,
        );
    }
    old
}

/// Sleeps until the next timer interrupt, unless one happened since the last call
/// (the `wfe` of this board). With the timer masked it checks the event register
/// and, if clear, `rt_sigsuspend`s: that unmasks and sleeps in one step, so an
/// interrupt cannot slip in between the check and the sleep. Returns whether it
/// slept.
pub fn wait_for_event() -> bool {
    let old = sigprocmask(SIG_BLOCK, TIMER_MASK);
    let slept = !EVENT.swap(false, Ordering::Acquire);
    if slept {
        let unmasked = old & !TIMER_MASK;
        // SAFETY: the pointer is to a live 8-byte signal set. rt_sigsuspend returns
        // (with EINTR) once the timer handler has run.
        unsafe {
            syscall4(
                SYS_RT_SIGSUSPEND,
                &unmasked as *const u64 as usize,
                SIGSET_SIZE,
                0,
                0,
            );
        }
        // The interrupt that woke the core is consumed by the wake-up (as `wfe`
        // clears the event register); the timer is masked again until the restore.
        EVENT.store(false, Ordering::Relaxed);
    }
    sigprocmask(SIG_SETMASK, old);
    slept
}

// ---- the critical section ---------------------------------------------------------

/// The board's critical section: masks the timer interrupt, as `cpsid i` masks
/// interrupts on a single-core Cortex-M. Main code holding it cannot be
/// interrupted by the ISR; the ISR itself runs masked already.
pub struct CriticalSection;
critical_section::set_impl!(CriticalSection);

// SAFETY: there is one thread; with `SIGALRM` masked nothing else can run until the
// matching `release`, which restores the previous mask state (nesting works).
unsafe impl critical_section::Impl for CriticalSection {
    unsafe fn acquire() -> bool {
        let old = sigprocmask(SIG_BLOCK, TIMER_MASK);
        old & TIMER_MASK != 0
    }

    unsafe fn release(was_masked: bool) {
        if !was_masked {
            sigprocmask(SIG_UNBLOCK, TIMER_MASK);
        }
    }
}

// ---- what libc would provide ------------------------------------------------------
// The compiler lowers copies and fills to calls to these. `rep movsb` / `rep stosb`
// keep them from being lowered into calls to themselves.

/// # Safety
/// As C's `memcpy`: `n` bytes, valid, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller passes valid, non-overlapping ranges of `n` bytes.
    unsafe {
        asm!("rep movsb", inout("rdi") dst => _, inout("rsi") src => _,
             inout("rcx") n => _, options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
/// As C's `memmove`: `n` bytes, valid, possibly overlapping.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize) <= (src as usize) || (dst as usize) >= (src as usize) + n {
        // SAFETY: a forward copy is correct when dst is below src or past its end.
        return unsafe { memcpy(dst, src, n) };
    }
    // SAFETY: overlapping with dst above src: copy backwards (direction flag set,
    // then cleared, as the ABI requires).
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rdi") dst.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
             inout("rcx") n => _, options(nostack));
    }
    dst
}

/// # Safety
/// As C's `memset`: `n` valid bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller passes a valid range of `n` bytes.
    unsafe {
        asm!("rep stosb", inout("rdi") dst => _, inout("rcx") n => _,
             in("al") c as u8, options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
/// As C's `memcmp`: two valid ranges of `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, inside both ranges. Volatile reads keep the loop from
        // being recognised as a memcmp and lowered into a call to itself.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// # Safety
/// As C's `bcmp`: two valid ranges of `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}
