// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for a DAX host: the `dax_operations` a block device
//! offers to filesystems mounted with `-o dax`.
//!
//! The `dax_device` itself is owned by [`crate::block::Disk`], which tears
//! it down in `pmem.c`'s order (`dax_remove_host`, `kill_dax`, `put_dax`,
//! then `del_gendisk`).
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::bindings;
use crate::block;
use core::marker::PhantomData;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

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
/// `dax_dev` was made by [`crate::block::Disk::enable_dax`] for a disk of
/// `T`, and is alive: its private data is the disk's `Pin<KBox<T>>`, which
/// outlives the dax device.
unsafe fn data<'a, T: Operations>(dax_dev: *mut bindings::dax_device) -> Pin<&'a T> {
    // SAFETY: per the function's contract.
    unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow(bindings::dax_get_private(dax_dev)) }
}

/// # Safety
///
/// Called by the DAX core for a live DAX device made by
/// [`crate::block::Disk::enable_dax`] with `T`; pointer arguments are valid
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
/// [`crate::block::Disk::enable_dax`] with `T`; pointer arguments are valid
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
/// [`crate::block::Disk::enable_dax`] with `T`; pointer arguments are valid
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
