// SPDX-License-Identifier: GPL-2.0

//! Safe ownership of a ZONE_DEVICE page map (`memremap_pages`) for fsdax
//! whose struct pages live on the device itself (a `vmem_altmap`) or, with
//! no altmap, in RAM.
//!
//! A [`PageMap`] is mapped from creation until it is dropped; dropping it
//! (`memunmap_pages`) waits until every page of the range is free again,
//! so it must outlive the users of the pages: the disk and its DAX device
//! are torn down first.
//!
//! C header: [`include/linux/memremap.h`](srctree/include/linux/memremap.h)

use crate::abstractions::bindings;
use crate::abstractions::dax::FailureTarget;
use crate::abstractions::errno::eopnotsupp;
use crate::abstractions::resource::MemClaim;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::error::{from_err_ptr, to_result};
use kernel::page::PAGE_SHIFT;
use kernel::pin_init;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::Opaque;

/// Bytes of one `struct page`: what each page of a map without an altmap
/// costs in RAM.
pub const STRUCT_PAGE_SIZE: u64 = core::mem::size_of::<bindings::page>() as u64;

/// Where the struct pages of a page map come from: the first pages of the
/// range itself (`struct vmem_altmap`).
#[derive(Clone, Copy, Debug)]
pub struct Altmap {
    /// Pages at the start of the range never used (info block).
    pub reserve_pages: u64,
    /// Pages after those that may hold struct pages.
    pub free_pages: u64,
}

/// Where a page map reports memory failures: to `target`, physical
/// `data_phys` (the map's first data byte) being DAX offset `logical`, the
/// data contiguous from there to the end of the map.
pub struct FailureRoute {
    /// The namespace's DAX device, while it has one.
    pub target: Arc<FailureTarget>,
    /// Physical address of the first data byte of the map.
    pub data_phys: u64,
    /// Its offset on the DAX device.
    pub logical: u64,
}

/// A page of a [`PageMap`] whose `PG_hwpoison` was just cleared
/// ([`PageMap::take_hwpoison`]).
pub struct Unpoisoned {
    pfn: u64,
}

impl Unpoisoned {
    /// Physical address of the page.
    pub fn phys(&self) -> u64 {
        self.pfn << PAGE_SHIFT
    }

    /// The second half of `pmem_mkpage_present()`: `clear_mce_nospec()`
    /// maps the page in the direct map again if a machine check had taken
    /// it out (`set_mce_nospec()`). May allocate page tables and flush
    /// TLBs, so not under locks the I/O path waits on; the page map must
    /// still exist (its owner is borrowed by the caller).
    pub fn restore_direct_map(self) -> Result {
        // SAFETY: only changes the direct map's attributes for a pmem page
        // that has one (it came from a live page map); no memory is read.
        to_result(unsafe { bindings::dpmem_clear_mce_nospec(self.pfn as kernel::ffi::c_ulong) })
    }
}

/// A `MEMORY_DEVICE_FS_DAX` page map over one physical range.
///
/// # Invariants
///
/// `pgmap` is initialised for its range and, while `live` is set, mapped by
/// `memremap_pages`; the struct is pinned because the kernel keeps a pointer
/// to `pgmap` (it is each page's `pgmap`). `claim` covers the range; it is
/// dropped after the range is unmapped (fields drop after `drop`), so no one
/// else can map the range while this page map exists.
#[pin_data(PinnedDrop)]
pub struct PageMap {
    #[pin]
    pgmap: Opaque<bindings::dev_pagemap>,
    route: FailureRoute,
    live: AtomicBool,
    _claim: Arc<MemClaim>,
}

// SAFETY: the C side synchronises the pagemap; the Rust side only reads
// immutable fields or goes through the target's mutex.
unsafe impl Send for PageMap {}
// SAFETY: as above.
unsafe impl Sync for PageMap {}

static FSDAX_OPS: PageMapOps = PageMapOps(bindings::dev_pagemap_ops {
    page_free: None,
    migrate_to_ram: None,
    memory_failure: Some(memory_failure),
});

struct PageMapOps(bindings::dev_pagemap_ops);
// SAFETY: immutable, only read by C.
unsafe impl Sync for PageMapOps {}

impl PageMap {
    /// Maps `[start, start + len)` (page aligned), which `claim` proves is
    /// the caller's, with struct pages taken from `altmap` at its start, or
    /// without one from RAM, on NUMA node `nid`. This is where the kernel
    /// initialises every struct page of the range. The page map keeps the
    /// claim until it is unmapped.
    pub fn new(
        claim: Arc<MemClaim>,
        start: u64,
        len: u64,
        altmap: Option<Altmap>,
        nid: i32,
        route: FailureRoute,
    ) -> Result<Pin<KBox<Self>>> {
        let page_mask = (1u64 << PAGE_SHIFT) - 1;
        if len == 0 || (start | len) & page_mask != 0 || !claim.covers(start, len) {
            return Err(EINVAL);
        }
        let end = start.checked_add(len).ok_or(EINVAL)?;
        let base_pfn = start >> PAGE_SHIFT;
        let end_pfn = end >> PAGE_SHIFT;
        let init = |p: *mut bindings::dev_pagemap| {
            // SAFETY: `p` points to uninitialised memory for a pagemap that
            // only we can see; all-zero is its valid empty state, and the
            // altmap is written as a whole (it has const members in C).
            unsafe {
                p.write(core::mem::zeroed());
                if let Some(altmap) = altmap {
                    (*p).altmap = bindings::vmem_altmap {
                        base_pfn: base_pfn as kernel::ffi::c_ulong,
                        end_pfn: end_pfn as kernel::ffi::c_ulong,
                        reserve: altmap.reserve_pages as kernel::ffi::c_ulong,
                        free: altmap.free_pages as kernel::ffi::c_ulong,
                        align: 0,
                        alloc: 0,
                        inaccessible: false,
                    };
                    (*p).flags = bindings::PGMAP_ALTMAP_VALID;
                }
                (*p).type_ = bindings::memory_type_MEMORY_DEVICE_FS_DAX;
                (*p).ops = &FSDAX_OPS.0;
                (*p).nr_range = 1;
                *(*p).__bindgen_anon_1.range.as_mut() = bindings::range {
                    start,
                    end: end - 1,
                };
            }
        };
        let this = KBox::pin_init(
            pin_init!(PageMap {
                pgmap <- Opaque::ffi_init(init),
                route,
                live: AtomicBool::new(false),
                _claim: claim,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the pagemap is initialised and pinned (it lives in the
        // box until `drop`, which unmaps it first).
        from_err_ptr(unsafe { bindings::memremap_pages(this.pgmap.get(), nid) })?;
        // INVARIANT: mapped above.
        this.live.store(true, Ordering::Release);
        Ok(this)
    }

    /// The first half of `pmem_mkpage_present()` for data page `pfn` of
    /// this map, whose poison was just cleared: clears its `PG_hwpoison`
    /// (set by `memory_failure()`) and, if it was set, returns the page so
    /// that its direct mapping can be restored. An atomic bit operation: fine
    /// under the lock that keeps this map alive.
    pub fn take_hwpoison(&self, pfn: u64) -> Option<Unpoisoned> {
        // SAFETY: initialised (type invariant); the range and altmap are
        // not changed after `memremap_pages`.
        let (range, altmap) = unsafe {
            let p = self.pgmap.get();
            (*(*p).__bindgen_anon_1.range.as_ref(), (*p).altmap)
        };
        // Only data pages: memory_failure() refuses the altmap's own
        // (`pgmap_pfn_valid()`), whose struct pages are not initialised.
        let first = (range.start >> PAGE_SHIFT) + (altmap.reserve + altmap.free) as u64;
        let end = (range.end + 1) >> PAGE_SHIFT;
        if !(first..end).contains(&pfn) {
            return None;
        }
        // SAFETY: `pfn` is a data page of this map, whose struct pages are
        // initialised while it is mapped; `self` keeps it mapped.
        unsafe { bindings::dpmem_page_test_clear_hwpoison(pfn as kernel::ffi::c_ulong) }
            .then_some(Unpoisoned { pfn })
    }

    /// Pages of the altmap holding struct pages so far.
    pub fn altmap_used_pages(&self) -> u64 {
        // SAFETY: initialised (type invariant); a racy read of a counter the
        // kernel only changes while mapping.
        unsafe { core::ptr::read_volatile(&raw const (*self.pgmap.get()).altmap.alloc) as u64 }
    }
}

#[pinned_drop]
impl PinnedDrop for PageMap {
    fn drop(self: Pin<&mut Self>) {
        if self.live.load(Ordering::Acquire) {
            // SAFETY: mapped (type invariant); waits for all pages to be
            // free, then removes the struct pages and the direct map.
            unsafe { bindings::memunmap_pages(self.pgmap.get()) };
        }
    }
}

/// `dev_pagemap_ops.memory_failure`: poison in a mapped page is reported
/// to the filesystem through the DAX device, like `pmem.c` does.
///
/// # Safety
///
/// Called by the memory-failure code for a live pagemap of a [`PageMap`].
unsafe extern "C" fn memory_failure(
    pgmap: *mut bindings::dev_pagemap,
    pfn: kernel::ffi::c_ulong,
    nr_pages: kernel::ffi::c_ulong,
    mf_flags: kernel::ffi::c_int,
) -> kernel::ffi::c_int {
    // SAFETY: `pgmap` is the `pgmap` field of a live `PageMap` (contract);
    // `Opaque` is transparent.
    let pm = unsafe {
        &*kernel::container_of!(
            pgmap.cast::<Opaque<bindings::dev_pagemap>>(),
            PageMap,
            pgmap
        )
    };
    let r = &pm.route;
    let phys = (pfn as u64) << PAGE_SHIFT;
    if phys < r.data_phys {
        // Poison in the struct pages themselves: let the generic handler
        // deal with it.
        return eopnotsupp().to_errno();
    }
    let offset = (phys - r.data_phys).saturating_add(r.logical);
    match r
        .target
        .notify(offset, (nr_pages as u64) << PAGE_SHIFT, mf_flags)
    {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
