// SPDX-License-Identifier: GPL-2.0

//! A DAX host: the `dax_device` of a block device, the `dax_operations` it
//! offers to filesystems mounted with `-o dax`, and the route by which
//! memory failures in its pages reach the filesystem.
//!
//! The [`DaxHost`] is installed into its [`GenDisk`], which kills it first,
//! in `pmem.c`'s order (`dax_remove_host`, `kill_dax`, then `del_gendisk`),
//! and drops our reference (`put_dax`) after `del_gendisk` removed the
//! `dax` attribute group that uses it.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::abstractions::bindings;
use crate::abstractions::block::{self, GenDisk};
use crate::abstractions::dax_attrs::DaxAttrs;
use crate::abstractions::errno::eopnotsupp;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::from_err_ptr;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::types::ForeignOwnable;
use kernel::{new_mutex, pin_init};

/// Why `direct_access` is called (`enum dax_access_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessMode {
    /// Normal access: poisoned pages fail with `EHWPOISON`.
    Access,
    /// The caller will overwrite poisoned pages through `recovery_write`.
    RecoveryWrite,
}

/// `-EHWPOISON`: the range holds poison.
pub fn ehwpoison() -> Error {
    Error::from_errno(-(bindings::DPMEM_EHWPOISON as i32))
}

/// Where a page offset of the device lives.
pub struct Direct {
    /// Kernel address of the first byte.
    pub kaddr: *mut u8,
    /// Physical address of the first byte.
    pub phys: u64,
    /// Whether the pages have struct pages (`PFN_MAP`).
    pub has_pages: bool,
    /// Pages available from there (at least 1).
    pub pages: i64,
}

/// The source of a `recovery_write` (an `iov_iter`).
///
/// # Invariants
///
/// Wraps the live `iov_iter` passed to `recovery_write`.
pub struct IovSource<'a>(*mut bindings::iov_iter, PhantomData<&'a mut ()>);

impl IovSource<'_> {
    /// Copies up to `len` bytes to `dst` with cache-bypassing stores
    /// (`_copy_from_iter_flushcache`); returns how many were copied.
    ///
    /// # Safety
    ///
    /// `dst` is valid for writes of `len` bytes.
    pub unsafe fn copy_flushcache(&mut self, dst: *mut u8, len: usize) -> usize {
        // SAFETY: `dst` per the contract; the iterator is live (invariant).
        unsafe { bindings::_copy_from_iter_flushcache(dst.cast(), len, self.0) }
    }
}

/// DAX services of a disk's driver data.
pub trait Operations: block::Operations {
    /// Translates `pgoff` (4 KiB pages from the start of the device) for up
    /// to `pages` pages. `EHWPOISON` if the range holds poison and `mode`
    /// is not [`AccessMode::RecoveryWrite`]. `want_pages`: the caller maps
    /// the pfns (a fault), so the pages must have struct pages.
    fn direct_access(
        this: Pin<&Self>,
        pgoff: u64,
        pages: i64,
        mode: AccessMode,
        want_pages: bool,
    ) -> Result<Direct>;

    /// Zeroes `pages` pages from `pgoff`, durably, clearing poison.
    fn zero_page_range(this: Pin<&Self>, pgoff: u64, pages: u64) -> Result;

    /// Writes `bytes` at `kaddr` (from [`Operations::direct_access`] at
    /// `pgoff`) from `src`, clearing poison first; returns bytes written.
    fn recovery_write(
        this: Pin<&Self>,
        pgoff: u64,
        kaddr: *mut u8,
        bytes: usize,
        src: &mut IovSource<'_>,
    ) -> usize;
}

/// The `dax_operations` of devices driven by `T`; lives in a `static`.
#[repr(transparent)]
pub struct DaxVTable<T: Operations>(bindings::dax_operations, PhantomData<T>);

// SAFETY: immutable after construction; only read by C.
unsafe impl<T: Operations> Sync for DaxVTable<T> {}

impl<T: Operations> DaxVTable<T> {
    /// The table for `T`.
    pub const fn new() -> Self {
        // SAFETY: all-zero is valid (null callbacks).
        let mut ops: bindings::dax_operations = unsafe { core::mem::zeroed() };
        ops.direct_access = Some(direct_access::<T>);
        ops.zero_page_range = Some(zero_page_range::<T>);
        ops.recovery_write = Some(recovery_write::<T>);
        Self(ops, PhantomData)
    }

    pub(crate) fn as_raw(&'static self) -> *const bindings::dax_operations {
        &self.0
    }
}

impl<T: Operations> Default for DaxVTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// # Safety
///
/// `dax_dev` was made by [`DaxHost::install`] for a disk of `T`, and is
/// alive: its private data is the disk's `Pin<KBox<T>>`. The DAX core calls
/// the operations only inside `dax_read_lock()` while the device is alive,
/// and the disk kills it (`kill_dax`, which waits for those sections)
/// before it deletes the disk and hands the data to `free_disk`.
unsafe fn data<'a, T: Operations>(dax_dev: *mut bindings::dax_device) -> Pin<&'a T> {
    // SAFETY: per the function's contract.
    unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow(bindings::dax_get_private(dax_dev)) }
}

/// # Safety
///
/// Called by the DAX core for a live DAX device made by
/// [`DaxHost::install`] with `T`; pointer arguments are valid
/// as `struct dax_operations` documents.
unsafe extern "C" fn direct_access<T: Operations>(
    dax_dev: *mut bindings::dax_device,
    pgoff: kernel::ffi::c_ulong,
    nr_pages: kernel::ffi::c_long,
    mode: bindings::dax_access_mode,
    kaddr: *mut *mut kernel::ffi::c_void,
    pfn: *mut bindings::pfn_t,
) -> kernel::ffi::c_long {
    let mode = if mode == bindings::DPMEM_DAX_RECOVERY_WRITE {
        AccessMode::RecoveryWrite
    } else {
        AccessMode::Access
    };
    // SAFETY: the DAX core calls us for a live device of ours.
    let this = unsafe { data::<T>(dax_dev) };
    match T::direct_access(this, pgoff as u64, nr_pages as i64, mode, !pfn.is_null()) {
        Ok(d) => {
            // SAFETY: the out-parameters are null or valid (DAX core).
            unsafe {
                if !kaddr.is_null() {
                    *kaddr = d.kaddr.cast();
                }
                if !pfn.is_null() {
                    (*pfn).val = if d.has_pages {
                        bindings::dpmem_pfn_t_dev_map(d.phys)
                    } else {
                        // No struct pages: the caller wanted them (it
                        // passed a pfn) and cannot have them.
                        return ENXIO.to_errno() as kernel::ffi::c_long;
                    };
                }
            }
            d.pages as kernel::ffi::c_long
        }
        Err(e) => e.to_errno() as kernel::ffi::c_long,
    }
}

/// # Safety
///
/// Called by the DAX core for a live DAX device made by
/// [`DaxHost::install`] with `T`; pointer arguments are valid
/// as `struct dax_operations` documents.
unsafe extern "C" fn zero_page_range<T: Operations>(
    dax_dev: *mut bindings::dax_device,
    pgoff: kernel::ffi::c_ulong,
    nr_pages: usize,
) -> kernel::ffi::c_int {
    // SAFETY: the DAX core calls us for a live device of ours.
    let this = unsafe { data::<T>(dax_dev) };
    match T::zero_page_range(this, pgoff as u64, nr_pages as u64) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the DAX core for a live DAX device made by
/// [`DaxHost::install`] with `T`; pointer arguments are valid
/// as `struct dax_operations` documents.
unsafe extern "C" fn recovery_write<T: Operations>(
    dax_dev: *mut bindings::dax_device,
    pgoff: kernel::ffi::c_ulong,
    addr: *mut kernel::ffi::c_void,
    bytes: usize,
    iter: *mut bindings::iov_iter,
) -> usize {
    // SAFETY: the DAX core calls us for a live device of ours.
    let this = unsafe { data::<T>(dax_dev) };
    // INVARIANT: the live iterator of this call.
    let mut src = IovSource(iter, PhantomData);
    T::recovery_write(this, pgoff as u64, addr.cast(), bytes, &mut src)
}

/// Where memory failures in a namespace's pages are reported: its DAX
/// device while that exists, else nowhere. Shared by every page map of the
/// namespace; set and cleared only by the [`DaxHost`] it was installed with.
#[pin_data]
pub struct FailureTarget {
    #[pin]
    dax: Mutex<DaxPtr>,
}

struct DaxPtr(*mut bindings::dax_device);

// SAFETY: the pointer is only used under the mutex.
unsafe impl Send for DaxPtr {}

impl FailureTarget {
    /// A target that reports nowhere yet.
    pub fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(FailureTarget {
                dax <- new_mutex!(DaxPtr(core::ptr::null_mut())),
            }),
            GFP_KERNEL,
        )
    }

    /// Tells the filesystem on the DAX device that `len` bytes at device
    /// offset `offset` failed (`dax_holder_notify_failure`); `EOPNOTSUPP`
    /// when there is no DAX device (any more), so the generic handler acts.
    pub fn notify(&self, offset: u64, len: u64, mf_flags: i32) -> Result {
        let dax = self.dax.lock();
        if dax.0.is_null() {
            return Err(eopnotsupp());
        }
        // SAFETY: the DAX device is live while set: [`DaxHost`] clears it
        // (taking this mutex, so after this call) before killing the device.
        kernel::error::to_result(unsafe {
            bindings::dax_holder_notify_failure(dax.0, offset, len, mf_flags)
        })
    }
}

/// The DAX device of a disk.
///
/// # Invariants
///
/// `dax` is a live dax device made by `alloc_dax` for `disk`'s private
/// data and, until [`DaxHost::kill`], added as its host; `target` reports
/// to it. `attrs` is its `dax` attribute group. Owned by the [`GenDisk`] of
/// `disk`, which kills it before deleting the disk and drops it after
/// (so the attribute never sees a freed dax device).
pub struct DaxHost {
    dax: NonNull<bindings::dax_device>,
    disk: NonNull<bindings::gendisk>,
    target: Arc<FailureTarget>,
    attrs: Pin<KBox<kernel::types::Opaque<DaxAttrs>>>,
    killed: bool,
}

// SAFETY: the dax device and gendisk may be used from any thread.
unsafe impl Send for DaxHost {}
// SAFETY: `&DaxHost` exposes nothing but the attribute tables, which only
// sysfs reads.
unsafe impl Sync for DaxHost {}

impl DaxHost {
    /// Makes `disk` (made with [`block::Features::DAX`], not yet added) a
    /// DAX host whose `direct_access` and friends are `T`'s, and routes
    /// memory failures reported to `target` to it. `synchronous`: the
    /// platform makes flushed stores durable without a driver flush
    /// (MAP_SYNC allowed); `write_cache`: CPU caches must be written back
    /// for durability (the disk's `dax/write_cache` attribute changes it).
    pub fn install<T: Operations>(
        disk: &mut GenDisk<T>,
        vtable: &'static DaxVTable<T>,
        synchronous: bool,
        write_cache: bool,
        target: &Arc<FailureTarget>,
    ) -> Result {
        // One host per target (a second would be silenced by the first
        // one's drop): checked and set under one hold of its lock.
        let mut slot = target.dax.lock();
        if disk.is_added() || disk.dax.is_some() || !slot.0.is_null() {
            return Err(EBUSY);
        }
        let d = disk.as_raw();
        let disk_ptr = NonNull::new(d).ok_or(EINVAL)?;
        // SAFETY: the disk is live and not yet added; its private data is
        // the `Pin<KBox<T>>` the vtable's callbacks expect, used only while
        // the dax device is alive (see `data`), and the disk kills it before
        // the data can go.
        let dax = from_err_ptr(unsafe { bindings::alloc_dax((*d).private_data, vtable.as_raw()) })?;
        let dax = NonNull::new(dax).ok_or(ENOMEM)?;
        let attrs = DaxAttrs::new(dax.as_ptr()).inspect_err(|_| {
            // SAFETY: ours, not added anywhere.
            unsafe { bindings::put_dax(dax.as_ptr()) };
        })?;
        // SAFETY: `dax` is live and ours; `d` is ours and not yet added.
        unsafe {
            bindings::set_dax_nocache(dax.as_ptr());
            bindings::set_dax_nomc(dax.as_ptr());
            if synchronous {
                bindings::set_dax_synchronous(dax.as_ptr());
            }
            let r = bindings::dax_add_host(dax.as_ptr(), d);
            if r != 0 {
                bindings::kill_dax(dax.as_ptr());
                bindings::put_dax(dax.as_ptr());
                return Err(Error::from_errno(r));
            }
            bindings::dax_write_cache(dax.as_ptr(), write_cache);
        }
        slot.0 = dax.as_ptr();
        drop(slot);
        // INVARIANT: made and added above; the disk owns it from here.
        disk.dax = Some(DaxHost {
            dax,
            disk: disk_ptr,
            target: target.clone(),
            attrs,
            killed: false,
        });
        Ok(())
    }

    /// The attribute groups to add with the disk.
    pub(in crate::abstractions) fn attr_groups(&self) -> *const *const bindings::attribute_group {
        DaxAttrs::groups(&self.attrs)
    }

    /// Ends DAX on the disk: no more failure reports (waits for one in
    /// progress), no new DAX users, existing ones told the device is gone
    /// (which waits for `direct_access` calls in progress). The dax device
    /// itself stays until this is dropped.
    pub(in crate::abstractions) fn kill(&mut self) {
        if self.killed {
            return;
        }
        self.killed = true;
        self.target.dax.lock().0 = core::ptr::null_mut();
        // SAFETY: live and added (type invariant); the disk is still live
        // (it kills us before it is deleted).
        unsafe {
            bindings::dax_remove_host(self.disk.as_ptr());
            bindings::kill_dax(self.dax.as_ptr());
        }
    }
}

impl Drop for DaxHost {
    fn drop(&mut self) {
        self.kill();
        // SAFETY: our reference (type invariant), dropped once; the `dax`
        // attribute is gone (the disk was deleted, or never added).
        unsafe { bindings::put_dax(self.dax.as_ptr()) };
    }
}
