// SPDX-License-Identifier: GPL-2.0

//! A bad-sector list (`struct badblocks`), shown as
//! `/sys/block/<disk>/badblocks` (pollable: [`Badblocks::notify`]) and
//! filled by libnvdimm from the platform's poison list.
//!
//! C header: [`include/linux/badblocks.h`](srctree/include/linux/badblocks.h)

use crate::abstractions::bindings;
use crate::format::poison::BadSectors;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::error::to_result;
use kernel::prelude::*;

/// A bad-sector list (`struct badblocks`), as the block layer and
/// libnvdimm keep them: ranges of 512-byte sectors.
///
/// # Invariants
///
/// The boxed `struct badblocks` was set up by `badblocks_init` and is torn
/// down by `badblocks_exit` in `drop`; the box gives it a stable address.
/// `state` is null or a kernfs node (the disk's `badblocks` file) that we
/// hold a reference on until `drop`.
pub struct Badblocks {
    bb: KBox<kernel::types::Opaque<bindings::badblocks>>,
    state: AtomicPtr<bindings::kernfs_node>,
}

// SAFETY: `struct badblocks` has its own seqlock; all its functions may be
// called from any thread.
unsafe impl Send for Badblocks {}
// SAFETY: as above.
unsafe impl Sync for Badblocks {}

impl Badblocks {
    /// An empty, enabled list.
    pub fn new() -> Result<Self> {
        let b = KBox::new(kernel::types::Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: `b` is a fresh allocation of the right size; the call
        // initialises it (and allocates its page).
        to_result(unsafe { bindings::badblocks_init(b.get(), 1) })?;
        // INVARIANT: initialised above; no kernfs node yet.
        Ok(Self {
            bb: b,
            state: AtomicPtr::new(core::ptr::null_mut()),
        })
    }

    /// The raw struct, for libnvdimm to fill.
    pub fn as_raw(&self) -> *mut bindings::badblocks {
        self.bb.get()
    }

    /// Looks up `disk`'s `badblocks` file once, for [`Badblocks::notify`]
    /// (pmem.c's `bb_state`); false if it has none.
    ///
    /// # Safety
    ///
    /// `disk` is a live, added gendisk.
    pub(in crate::abstractions) unsafe fn watch(&self, disk: *mut bindings::gendisk) -> bool {
        // SAFETY: `disk` is live and added (contract); a counted reference
        // or null comes back.
        let kn = unsafe { bindings::dpmem_disk_badblocks_dirent(disk) };
        if kn.is_null() {
            return false;
        }
        // INVARIANT: the reference is kept only if the field was null;
        // otherwise it is dropped here.
        if self
            .state
            .compare_exchange(
                core::ptr::null_mut(),
                kn,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            // SAFETY: the reference taken above.
            unsafe { bindings::kernfs_put(kn) };
        }
        true
    }

    /// Tells pollers of the disk's `badblocks` file that the list changed
    /// (`sysfs_notify_dirent()`; no lookup, so cheap on the I/O path).
    pub fn notify(&self) {
        let kn = self.state.load(Ordering::Acquire);
        if !kn.is_null() {
            // SAFETY: a node we hold a reference on (type invariant); it
            // may already be removed from sysfs, which kernfs_notify allows.
            unsafe { bindings::kernfs_notify(kn) };
        }
    }

    /// Number of bad ranges.
    #[inline]
    pub fn count(&self) -> u32 {
        // SAFETY: initialised (type invariant); a racy read of an int, as
        // the C fast path (`is_bad_pmem`) does before taking the seqlock.
        let n = unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).count) };
        n.max(0) as u32
    }

    /// Whether any of `sectors` sectors from `sector` is bad.
    #[inline]
    pub fn is_bad(&self, sector: u64, sectors: u32) -> bool {
        self.first_bad(sector, sectors).is_some()
    }

    /// The first bad sector among `sectors` sectors from `sector`, if any.
    /// An empty list (the usual case) costs one load, as in `is_bad_pmem`.
    #[inline]
    pub fn first_bad(&self, sector: u64, sectors: u32) -> Option<u64> {
        if self.count() == 0 {
            return None;
        }
        self.search(sector, sectors)
    }

    /// `first_bad` on a list that has entries.
    #[cold]
    fn search(&self, sector: u64, sectors: u32) -> Option<u64> {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        let (mut first, mut num) = (0u64, 0i32);
        // SAFETY: initialised (type invariant); the out-parameters are ours.
        let bad = unsafe {
            bindings::badblocks_check(self.as_raw(), sector, sectors, &mut first, &mut num) != 0
        };
        bad.then_some(first)
    }

    /// Forgets bad sectors that were repaired.
    pub fn clear(&self, sector: u64, sectors: u32) {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        // SAFETY: initialised (type invariant). The only failure is "range
        // not found", which leaves nothing to clear.
        unsafe { bindings::badblocks_clear(self.as_raw(), sector, sectors) };
    }

    /// Marks `sectors` sectors from `sector` bad (acknowledged); false if
    /// the list is full.
    pub fn set(&self, sector: u64, sectors: u32) -> bool {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        // SAFETY: initialised (type invariant).
        unsafe { bindings::badblocks_set(self.as_raw(), sector, sectors, 1) == 0 }
    }

    /// Entry `i`, if there is one. Only for a list nothing else changes
    /// meanwhile (one being filled at bind).
    pub fn entry(&mut self, i: usize) -> Option<BadSectors> {
        let i = i32::try_from(i).ok()?;
        let (mut sector, mut sectors) = (0u64, 0u32);
        // SAFETY: initialised (type invariant); `&mut self` rules out
        // concurrent changes through this value.
        unsafe { bindings::dpmem_badblocks_entry(self.as_raw(), i, &mut sector, &mut sectors) }
            .then_some(BadSectors { sector, sectors })
    }
}

impl Drop for Badblocks {
    fn drop(&mut self) {
        let kn = *self.state.get_mut();
        if !kn.is_null() {
            // SAFETY: our reference (type invariant), put once.
            unsafe { bindings::kernfs_put(kn) };
        }
        // SAFETY: initialised (type invariant); exited once, then freed.
        unsafe { bindings::badblocks_exit(self.as_raw()) };
    }
}
