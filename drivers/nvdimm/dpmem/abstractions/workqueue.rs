// SPDX-License-Identifier: GPL-2.0

//! Dedicated, owned workqueues.
//!
//! The kernel crate of 6.12 only hands out the system workqueues. Lazy
//! descriptor initialisation needs its own: an unbound queue with a rescuer
//! thread (`WQ_MEM_RECLAIM`), because DAX faults wait for its work.
//! Teardown helpers run on an owned unbound queue, so that destroying it
//! proves they have all returned (the module may be unloaded right after).
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use crate::abstractions::bindings;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::workqueue::Queue;

/// A workqueue of our own, destroyed (after running everything queued on
/// it) on drop.
///
/// # Invariants
///
/// `wq` was returned by `alloc_workqueue` and is destroyed only by `drop`.
pub struct OwnedQueue {
    wq: NonNull<bindings::workqueue_struct>,
}

// SAFETY: a workqueue may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: queueing work is thread safe.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// An unbound queue `dpmem/<name>` with a rescuer (`WQ_MEM_RECLAIM`),
    /// running up to `max_active` items at once; `name` is copied by the
    /// kernel.
    pub fn reclaim(name: &CStr, max_active: u16) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and only read during the call.
        let wq = unsafe { bindings::dpmem_alloc_reclaim_wq(name.as_char_ptr(), max_active.into()) };
        // INVARIANT: allocated above.
        Ok(Self {
            wq: NonNull::new(wq).ok_or(ENOMEM)?,
        })
    }

    /// An unbound queue `dpmem-teardown` running up to `max_active` items
    /// at once.
    pub fn unbound(max_active: u16) -> Result<Self> {
        // SAFETY: plain allocation; no pointer arguments.
        let wq = unsafe { bindings::dpmem_alloc_unbound_wq(max_active.into()) };
        // INVARIANT: allocated above.
        Ok(Self {
            wq: NonNull::new(wq).ok_or(ENOMEM)?,
        })
    }

    /// The queue, to enqueue work items on.
    pub fn queue(&self) -> &Queue {
        // SAFETY: live until `drop` (type invariant), which needs `&mut self`
        // so no borrow of it remains.
        unsafe { Queue::from_raw(self.wq.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: allocated by `reclaim` or `unbound` (type invariant); runs
        // what is queued,
        // then frees the queue. Must not be called from its own work, which
        // `drop` of a value owned outside the work guarantees.
        unsafe { bindings::destroy_workqueue(self.wq.as_ptr()) };
    }
}
