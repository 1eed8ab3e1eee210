// SPDX-License-Identifier: GPL-2.0

//! Lazy, once-only initialisation of numbered units (descriptor chunks:
//! one per section, or one for a whole head reservation) by dedicated
//! workers that callers can wait for.
//!
//! Why workers: the caller that needs a unit is a DAX fault, which holds
//! `mmap_lock`, filesystem locks (a jbd2 handle on ext4 write faults) and a
//! locked DAX entry, and cannot back off. Initialising a unit is
//! `memremap_pages()`: CPU and memory hotplug locks and `GFP_KERNEL`
//! allocations. Doing that in the fault could recurse into the same
//! filesystem through reclaim; a worker does it instead, on the set's own
//! `WQ_MEM_RECLAIM` queue, inside a [`NoIoScope`], while the fault sleeps.
//! Up to [`WORKERS`] units are initialised at once: the memory hotplug
//! lock serialises adding their sections, but not building their struct
//! pages (`memmap_init_zone_device`), so faults in different sections do
//! not queue behind each other for that part.
//!
//! Each unit goes `Uninit -> Queued -> Ready | Failed`: the first caller
//! queues it, every caller (the first included) waits for the outcome, so
//! concurrent faults on one unit initialise it once. `Ready` is also kept
//! in a lock-free flag, so the fault fast path takes no lock. A unit that
//! failed for want of memory goes back to `Uninit`: its waiting callers
//! get `ENOMEM` (a DAX fault retries on it), the next caller queues it
//! again. Any other failure is final until the namespace is rebound (its
//! faults get the error: `SIGBUS`). A fatal signal ends a caller's wait
//! (`EINTR`), as a `TASK_KILLABLE` wait would, until another signal is
//! pending: then it waits on uninterruptibly.

#![forbid(unsafe_code)]

use crate::abstractions::sched_mm::NoIoScope;
use crate::abstractions::signal::fatal_signal_pending;
use crate::abstractions::workqueue::OwnedQueue;
use core::sync::atomic::{AtomicU8, Ordering};
use kernel::alloc::KVVec;
use kernel::prelude::*;
use kernel::sync::{Arc, CondVar, Mutex};
use kernel::workqueue::{impl_has_work, Work, WorkItem};
use kernel::{new_condvar, new_mutex, new_work};

mod teardown;

/// Initialises one unit; what it returns is kept until shutdown.
pub trait UnitInit: Send + Sync + 'static {
    /// What an initialised unit holds (its page map); dropping it undoes
    /// the initialisation, possibly on another thread (see [`LazyOwner`]).
    type Unit: Send + 'static;

    /// Initialises unit `unit`. Runs on a worker, never in the caller;
    /// calls for different units may run at the same time (up to
    /// [`WORKERS`]), never two for the same unit.
    fn init(&self, unit: u64) -> Result<Self::Unit>;
}

/// Units initialised at once, at most, each by its own worker (the work
/// items `work0`..`work3` of [`Lazy`] and the bits of `Slots::busy`).
pub const WORKERS: usize = 4;
const _: () = assert!(WORKERS == 4 && WORKERS <= u8::BITS as usize);

const UNINIT: u8 = 0;
const QUEUED: u8 = 1;
const READY: u8 = 2;
const FAILED: u8 = 3;

/// Whether an initialisation that failed with `e` may succeed if tried
/// again later (memory may be freed meanwhile). Only `ENOMEM`: it is the
/// error a DAX fault retries on (`VM_FAULT_OOM`); any other is `SIGBUS`.
fn is_transient(e: Error) -> bool {
    e == ENOMEM
}

enum Slot<U> {
    Empty,
    Ready(U),
    Failed(Error),
}

/// State under the lock.
///
/// # Invariants
///
/// Until `stopping`, `pending` is a ring of `len` entries starting at
/// `head`, holding each unit whose flag is `QUEUED` and not yet taken by a
/// worker, so it never needs more than one entry per unit. Bit `i` of `busy` is set from when
/// worker `i` is queued until it finds the ring empty: a unit pushed while
/// a worker is busy is taken by one of the busy workers.
struct Slots<U> {
    units: KVVec<Slot<U>>,
    pending: KVVec<u64>,
    head: usize,
    len: usize,
    busy: u8,
    queue: Option<OwnedQueue>,
    stopping: bool,
    /// Teardown: the next unit to look at.
    cursor: usize,
}

impl<U> Slots<U> {
    fn push(&mut self, unit: u64) {
        let cap = self.pending.len();
        if let Some(p) = self.pending.get_mut((self.head + self.len) % cap.max(1)) {
            *p = unit;
            self.len += 1;
        }
    }

    fn pop(&mut self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        let unit = *self.pending.get(self.head)?;
        self.head = (self.head + 1) % self.pending.len();
        self.len -= 1;
        Some(unit)
    }
}

/// A set of lazily initialised units and the workers that initialise them
/// (one work item each: `work0` is worker 0, and so on).
#[pin_data]
pub struct Lazy<I: UnitInit> {
    init: I,
    flags: KVVec<AtomicU8>,
    #[pin]
    slots: Mutex<Slots<I::Unit>>,
    #[pin]
    changed: CondVar,
    #[pin]
    work0: Work<Lazy<I>, 0>,
    #[pin]
    work1: Work<Lazy<I>, 1>,
    #[pin]
    work2: Work<Lazy<I>, 2>,
    #[pin]
    work3: Work<Lazy<I>, 3>,
}

impl_has_work! {
    impl{I: UnitInit} HasWork<Self, 0> for Lazy<I> { self.work0 }
    impl{I: UnitInit} HasWork<Self, 1> for Lazy<I> { self.work1 }
    impl{I: UnitInit} HasWork<Self, 2> for Lazy<I> { self.work2 }
    impl{I: UnitInit} HasWork<Self, 3> for Lazy<I> { self.work3 }
}

/// Worker `$id` is work item `$id` of the set.
macro_rules! worker {
    ($($id:literal),*) => {$(
        impl<I: UnitInit> WorkItem<$id> for Lazy<I> {
            type Pointer = Arc<Lazy<I>>;

            fn run(this: Arc<Self>) {
                this.work($id)
            }
        }
    )*};
}
worker!(0, 1, 2, 3);

impl<I: UnitInit> Lazy<I> {
    /// Queues worker `id` on `queue`.
    fn enqueue_worker(this: &Arc<Self>, queue: &OwnedQueue, id: usize) {
        let this = this.clone();
        // Never already pending: its busy bit was clear (see `Slots`).
        let _ = match id {
            0 => queue.queue().enqueue::<_, 0>(this),
            1 => queue.queue().enqueue::<_, 1>(this),
            2 => queue.queue().enqueue::<_, 2>(this),
            3 => queue.queue().enqueue::<_, 3>(this),
            _ => Ok(()),
        };
    }

    /// Worker `id`: initialises queued units until none is left.
    fn work(&self, id: usize) {
        loop {
            let unit = {
                let mut s = self.slots.lock();
                match if s.stopping { None } else { s.pop() } {
                    Some(u) => u,
                    None => {
                        s.busy &= !(1 << id);
                        return;
                    }
                }
            };
            let r = {
                let _noio = NoIoScope::enter();
                self.init.init(unit)
            };
            let mut s = self.slots.lock();
            let (slot, flag) = match r {
                Ok(u) => (Slot::Ready(u), READY),
                // Waiters get the error; the next caller queues it again.
                Err(e) if is_transient(e) => (Slot::Failed(e), UNINIT),
                Err(e) => (Slot::Failed(e), FAILED),
            };
            // Past `stopping` the unit is kept only to be undone: the fast
            // path must not see it ready.
            let flag = if s.stopping { UNINIT } else { flag };
            if let (Some(dst), Some(f)) = (
                s.units.get_mut(unit as usize),
                self.flags.get(unit as usize),
            ) {
                *dst = slot;
                f.store(flag, Ordering::Release);
            }
            drop(s);
            self.changed.notify_all();
        }
    }
}

/// The owner of a [`Lazy`]: dropping it stops the workers and drops every
/// initialised unit. Other holders get plain `Arc`s (see
/// [`LazyOwner::handle`]), so a worker, which also holds one while it
/// runs, never ends up destroying its own queue.
pub struct LazyOwner<I: UnitInit>(Arc<Lazy<I>>);

impl<I: UnitInit> Lazy<I> {
    /// Number of units.
    pub fn units(&self) -> u64 {
        self.flags.len() as u64
    }

    /// Whether `unit` is initialised (no lock, no wait).
    #[inline]
    pub fn is_ready(&self, unit: u64) -> bool {
        self.flags
            .get(unit as usize)
            .is_some_and(|f| f.load(Ordering::Acquire) == READY)
    }

    /// Queues `unit` (if nobody did yet) under the lock `s`.
    fn queue_locked(this: &Arc<Self>, s: &mut Slots<I::Unit>, unit: u64) -> Result {
        let flag = this.flags.get(unit as usize).ok_or(ERANGE)?;
        if s.stopping {
            return Err(ENXIO);
        }
        if flag.load(Ordering::Relaxed) != UNINIT {
            return Ok(());
        }
        if s.queue.is_none() {
            return Err(ENXIO);
        }
        // A transient failure's outcome is forgotten: this attempt's
        // waiters wait for the new one.
        if let Some(slot) = s.units.get_mut(unit as usize) {
            *slot = Slot::Empty;
        }
        flag.store(QUEUED, Ordering::Relaxed);
        s.push(unit);
        // An idle worker takes it; with none idle, a busy one will.
        if let Some(id) = (0..WORKERS).find(|i| s.busy & (1 << i) == 0) {
            s.busy |= 1 << id;
            if let Some(queue) = s.queue.as_ref() {
                Self::enqueue_worker(this, queue, id);
            }
        }
        Ok(())
    }

    /// Starts initialising `unit` in the background.
    pub fn start(this: &Arc<Self>, unit: u64) -> Result {
        let mut s = this.slots.lock();
        Self::queue_locked(this, &mut s, unit)
    }

    /// Returns once `unit` is initialised, starting and waiting for it if
    /// needed; its error if it failed (`ENOMEM`: try again later), `ENXIO`
    /// if the set is shutting down, `EINTR` if the task is being killed.
    #[inline]
    pub fn ensure(this: &Arc<Self>, unit: u64) -> Result {
        if this.is_ready(unit) {
            return Ok(());
        }
        Self::wait_ready(this, unit)
    }

    /// [`Lazy::ensure`] for a unit that was not ready: queue it and wait.
    #[inline(never)]
    fn wait_ready(this: &Arc<Self>, unit: u64) -> Result {
        let mut s = this.slots.lock();
        Self::queue_locked(this, &mut s, unit)?;
        let mut killable = true;
        loop {
            match s.units.get(unit as usize) {
                _ if s.stopping => return Err(ENXIO),
                Some(Slot::Ready(_)) => return Ok(()),
                Some(Slot::Failed(e)) => return Err(*e),
                Some(Slot::Empty) if killable => {
                    if this.changed.wait_interruptible(&mut s) {
                        if fatal_signal_pending() {
                            // The task is being killed: nothing will see
                            // the error; the worker carries on.
                            return Err(EINTR);
                        }
                        // Another signal stays pending until the fault
                        // returns, and would end every interruptible sleep
                        // at once: wait on without it.
                        killable = false;
                    }
                }
                Some(Slot::Empty) => this.changed.wait(&mut s),
                None => return Err(ERANGE),
            }
        }
    }

    /// Folds `f` over the initialised units (under the lock).
    pub fn fold<R>(&self, init: R, mut f: impl FnMut(R, u64, &I::Unit) -> R) -> R {
        let s = self.slots.lock();
        let mut acc = init;
        for (i, slot) in s.units.iter().enumerate() {
            if let Slot::Ready(u) = slot {
                acc = f(acc, i as u64, u);
            }
        }
        acc
    }

    /// `f` of unit `unit` if it is initialised. `f` runs under the lock
    /// that DAX faults wait on (it keeps the unit from going away): it
    /// must not allocate or block.
    /// Looks at the slot, not the lock-free flag: a unit finished after
    /// [`Lazy::quiesce`] is kept (and its pages used) but not flagged ready.
    pub fn with_ready<R>(&self, unit: u64, f: impl FnOnce(&I::Unit) -> R) -> Option<R> {
        let s = self.slots.lock();
        match s.units.get(unit as usize) {
            Some(Slot::Ready(u)) => Some(f(u)),
            _ => None,
        }
    }

    /// Stops initialising units: queued ones are skipped, and callers
    /// that wait for a unit that is not ready get `ENXIO`. Units already
    /// initialised, and those being initialised now, are kept until the
    /// owner is dropped: after unbind a filesystem still mounted on the
    /// deleted disk has DAX entries over them, and nothing can need more
    /// (units queued for faults that were killed, or started in the
    /// background, are left undone).
    pub fn quiesce(&self) {
        self.slots.lock().stopping = true;
        self.changed.notify_all();
    }

    /// Units whose initialisation failed.
    pub fn failed(&self) -> u64 {
        self.flags
            .iter()
            .filter(|f| f.load(Ordering::Acquire) == FAILED)
            .count() as u64
    }

    /// The initialiser.
    pub fn initialiser(&self) -> &I {
        &self.init
    }
}

impl<I: UnitInit> LazyOwner<I> {
    /// `units` units, none initialised, with a worker queue named
    /// `dpmem/<name>`.
    pub fn new(init: I, units: u64, name: &CStr) -> Result<LazyOwner<I>> {
        let n = usize::try_from(units).map_err(|_| EINVAL)?;
        let mut slots = KVVec::with_capacity(n, GFP_KERNEL)?;
        let mut flags = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            slots.push(Slot::Empty, GFP_KERNEL)?;
            flags.push(AtomicU8::new(UNINIT), GFP_KERNEL)?;
        }
        let pending = KVVec::from_elem(0u64, n, GFP_KERNEL)?;
        // No units (none placement): no workers either.
        let queue = match n {
            0 => None,
            _ => Some(OwnedQueue::reclaim(name, WORKERS as u16)?),
        };
        let this = Arc::pin_init(
            pin_init!(Lazy {
                init,
                flags,
                // INVARIANT: an empty ring as long as the units.
                slots <- new_mutex!(Slots {
                    units: slots,
                    pending,
                    head: 0,
                    len: 0,
                    busy: 0,
                    queue,
                    stopping: false,
                    cursor: 0,
                }),
                changed <- new_condvar!(),
                work0 <- new_work!("dpmem lazy init"),
                work1 <- new_work!("dpmem lazy init"),
                work2 <- new_work!("dpmem lazy init"),
                work3 <- new_work!("dpmem lazy init"),
            }),
            GFP_KERNEL,
        )?;
        Ok(LazyOwner(this))
    }

    /// A reference for users that must not outlive the owner's teardown
    /// (their calls fail with `ENXIO` after it).
    pub fn handle(&self) -> Arc<Lazy<I>> {
        self.0.clone()
    }
}

impl<I: UnitInit> core::ops::Deref for LazyOwner<I> {
    type Target = Arc<Lazy<I>>;

    fn deref(&self) -> &Arc<Lazy<I>> {
        &self.0
    }
}
