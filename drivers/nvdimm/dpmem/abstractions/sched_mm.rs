// SPDX-License-Identifier: GPL-2.0

//! Allocation scopes of the current task (`memalloc_noio_save`): work that
//! a faulting task waits for while it holds filesystem locks must not
//! recurse into filesystem or block I/O reclaim.
//!
//! C header: [`include/linux/sched/mm.h`](srctree/include/linux/sched/mm.h)

use crate::abstractions::bindings;

/// While alive, allocations of the current task neither start block I/O
/// nor re-enter filesystems to reclaim memory (`memalloc_noio_save`).
///
/// Not `Send`: the scope belongs to the task that entered it.
pub struct NoIoScope {
    saved: kernel::ffi::c_uint,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl NoIoScope {
    /// Enters the scope.
    pub fn enter() -> Self {
        // SAFETY: only changes the current task's allocation flags.
        let saved = unsafe { bindings::dpmem_memalloc_noio_save() };
        Self {
            saved,
            _not_send: core::marker::PhantomData,
        }
    }
}

impl Drop for NoIoScope {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` saved, on the same task (not Send).
        unsafe { bindings::dpmem_memalloc_noio_restore(self.saved) };
    }
}
