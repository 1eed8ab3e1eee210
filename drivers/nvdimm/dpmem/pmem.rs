// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for persistent memory itself: the nvdimm region's flush
//! and poison services, the claim on a physical range, and its kernel
//! mapping with the copy routines pmem needs (cache-bypassing writes,
//! machine-check-safe reads).
//!
//! C headers: [`include/linux/libnvdimm.h`](srctree/include/linux/libnvdimm.h),
//! [`include/linux/io.h`](srctree/include/linux/io.h)

use crate::bindings;
use crate::block::{Badblocks, Bio, Segment};
use crate::dax::IovSource;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;

/// The nvdimm region (`struct nd_region`) a namespace lives in.
///
/// # Invariants
///
/// `region` is the `nd_region` of `region_dev`, and `ns_dev` a namespace
/// device in it; we hold a reference (`get_device`) on both devices, so both
/// structs stay allocated while this value exists.
pub struct Region {
    region: NonNull<bindings::nd_region>,
    region_dev: NonNull<bindings::device>,
    ns_dev: NonNull<bindings::device>,
}

// SAFETY: the nd_region services used here are callable from any thread.
unsafe impl Send for Region {}
// SAFETY: as above; nothing here mutates Rust-visible state.
unsafe impl Sync for Region {}

/// How a flush of a bio ended.
pub enum Flushed<'a> {
    /// Done synchronously: the caller still owns the bio.
    Done(Bio<'a>),
    /// The region flushes asynchronously (virtio-pmem) and completes the
    /// bio itself.
    Async,
}

impl Region {
    /// The region of namespace device `ns_dev`.
    ///
    /// # Safety
    ///
    /// `ns_dev` is a live, registered namespace device (its parent is its
    /// nd_region).
    pub(crate) unsafe fn of_namespace(ns_dev: *mut bindings::device) -> Result<Self> {
        let ns_dev = NonNull::new(ns_dev).ok_or(ENODEV)?;
        // SAFETY: the namespace is live (contract); its parent is set while
        // it is registered.
        let region_dev = NonNull::new(unsafe { (*ns_dev.as_ptr()).parent }).ok_or(ENODEV)?;
        // SAFETY: `region_dev` is a live region device.
        let region =
            NonNull::new(unsafe { bindings::to_nd_region(region_dev.as_ptr()) }).ok_or(ENODEV)?;
        // SAFETY: both devices are live; the references are dropped in
        // `drop`.
        unsafe {
            bindings::get_device(ns_dev.as_ptr());
            bindings::get_device(region_dev.as_ptr());
        }
        // INVARIANT: referenced above.
        Ok(Self {
            region,
            region_dev,
            ns_dev,
        })
    }

    /// Whether writes can be made durable: `Ok(true)` if the region has
    /// flush hints or a flush callback (so FUA and flushes do work),
    /// `Ok(false)` if the platform guarantees persistence (ADR), and an
    /// error if it cannot be known.
    pub fn has_flush(&self) -> Result<bool> {
        // SAFETY: the region is live (type invariant).
        let r = unsafe { bindings::nvdimm_has_flush(self.region.as_ptr()) };
        to_result(r.min(0))?;
        Ok(r > 0)
    }

    /// Whether the CPU cache must be flushed for persistence (no eADR).
    pub fn has_cache(&self) -> bool {
        // SAFETY: the region is live (type invariant).
        unsafe { bindings::nvdimm_has_cache(self.region.as_ptr()) != 0 }
    }

    /// Whether the region is synchronous (MAP_SYNC is possible).
    pub fn is_sync(&self) -> bool {
        // SAFETY: the region is live (type invariant).
        unsafe { bindings::is_nvdimm_sync(self.region.as_ptr()) }
    }

    /// Makes all writes issued so far durable (`nvdimm_flush`).
    pub fn flush(&self) -> Result {
        // SAFETY: the region is live; a null bio asks for a synchronous
        // flush.
        to_result(unsafe { bindings::nvdimm_flush(self.region.as_ptr(), core::ptr::null_mut()) })
    }

    /// Flushes on behalf of `bio`; an asynchronous region takes the bio
    /// and completes it when the flush is done.
    pub fn flush_bio<'a>(&self, bio: Bio<'a>) -> (Flushed<'a>, Result) {
        // SAFETY: `nvdimm_flush` either returns NVDIMM_FLUSH_ASYNC having
        // taken the bio (it completes it), or leaves it to us.
        let raw = unsafe { bio.into_raw() };
        // SAFETY: the region is live (type invariant); `raw` is a live bio.
        let r = unsafe { bindings::nvdimm_flush(self.region.as_ptr(), raw) };
        if r == bindings::DPMEM_NVDIMM_FLUSH_ASYNC as i32 {
            return (Flushed::Async, Ok(()));
        }
        // SAFETY: not taken by the region (see above).
        let bio = unsafe { Bio::from_raw(raw) };
        (Flushed::Done(bio), to_result(r.min(0)))
    }

    /// Loads the region's known poison inside `[start, start + len)`
    /// (physical) into `bb`, as sectors relative to `start`.
    pub fn load_badblocks(&self, bb: &Badblocks, start: u64, len: u64) {
        if len == 0 {
            return;
        }
        let range = bindings::range {
            start,
            end: start + len - 1,
        };
        // SAFETY: the region is live; `bb` is initialised; `range` is only
        // read during the call.
        unsafe { bindings::nvdimm_badblocks_populate(self.region.as_ptr(), bb.as_raw(), &range) };
    }

    /// Asks the platform to clear poison at `[phys, phys + len)`; returns
    /// how many bytes were cleared (may be fewer than `len`).
    pub fn clear_poison(&self, phys: u64, len: u32) -> Result<u32> {
        // SAFETY: the namespace device is live (type invariant).
        let r = unsafe { bindings::nvdimm_clear_poison(self.ns_dev.as_ptr(), phys, len) };
        if r < 0 {
            return Err(Error::from_errno(r as i32));
        }
        Ok(u32::try_from(r).unwrap_or(len).min(len))
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: drops the references taken in `of_namespace`.
        unsafe {
            bindings::put_device(self.region_dev.as_ptr());
            bindings::put_device(self.ns_dev.as_ptr());
        }
    }
}

/// Exclusive claim on a physical range in `/proc/iomem`
/// (`request_mem_region`), released on drop.
///
/// # Invariants
///
/// `res` was returned by `__request_region` for `[start, start + len)`;
/// `owner` is a referenced device whose name the resource points to.
pub struct MemClaim {
    res: NonNull<bindings::resource>,
    start: u64,
    len: u64,
    owner: NonNull<bindings::device>,
}

// SAFETY: only released on drop, under the resource lock inside C.
unsafe impl Send for MemClaim {}
// SAFETY: `&MemClaim` exposes nothing.
unsafe impl Sync for MemClaim {}

impl MemClaim {
    /// Claims `[start, start + len)` in the name of device `owner`; EBUSY
    /// if anyone else holds part of it.
    ///
    /// # Safety
    ///
    /// `owner` is a live device.
    pub(crate) unsafe fn new(owner: *mut bindings::device, start: u64, len: u64) -> Result<Self> {
        let owner = NonNull::new(owner).ok_or(ENODEV)?;
        // SAFETY: `owner` is live (contract); its name lives as long as it,
        // and we hold a reference until the region is released.
        let res = unsafe {
            bindings::get_device(owner.as_ptr());
            bindings::__request_region(
                &raw mut bindings::iomem_resource,
                start,
                len,
                (*owner.as_ptr()).kobj.name,
                0,
            )
        };
        let Some(res) = NonNull::new(res) else {
            // SAFETY: the reference taken above.
            unsafe { bindings::put_device(owner.as_ptr()) };
            return Err(EBUSY);
        };
        // INVARIANT: requested and referenced above.
        Ok(Self {
            res,
            start,
            len,
            owner,
        })
    }
}

impl Drop for MemClaim {
    fn drop(&mut self) {
        let _ = self.res;
        // SAFETY: requested in `new` with the same range; then the owner's
        // reference is dropped.
        unsafe {
            bindings::__release_region(&raw mut bindings::iomem_resource, self.start, self.len);
            bindings::put_device(self.owner.as_ptr());
        }
    }
}

/// A write-back kernel mapping of persistent memory
/// (`memremap(ARCH_MEMREMAP_PMEM)`), unmapped on drop.
///
/// # Invariants
///
/// `virt` maps `len` bytes of physical memory from `phys`; nothing else
/// unmaps it.
pub struct Mapping {
    virt: NonNull<u8>,
    phys: u64,
    len: u64,
}

// SAFETY: a kernel mapping is valid on every CPU.
unsafe impl Send for Mapping {}
// SAFETY: the copy routines take `&self`; concurrent copies to the same
// bytes race like concurrent DMA would, which the block layer's users order
// themselves, and never touch Rust-visible state.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `[phys, phys + len)`, which the caller has claimed.
    pub fn new(claim: &MemClaim, phys: u64, len: u64) -> Result<Self> {
        if phys < claim.start || phys.saturating_add(len) > claim.start + claim.len {
            return Err(EINVAL);
        }
        let size = usize::try_from(len).map_err(|_| EINVAL)?;
        // SAFETY: maps a claimed, non-RAM physical range; no other effect.
        let virt = unsafe {
            bindings::memremap(
                phys,
                size,
                bindings::DPMEM_MEMREMAP_PMEM as kernel::ffi::c_ulong,
            )
        };
        let virt = NonNull::new(virt.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: mapped above.
        Ok(Self { virt, phys, len })
    }

    /// Physical address of byte 0.
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// Mapped length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Kernel address of `offset`, if `[offset, offset + len)` is mapped.
    #[inline]
    fn at(&self, offset: u64, len: u32) -> Result<*mut u8> {
        let end = offset.checked_add(u64::from(len)).ok_or(EIO)?;
        if end > self.len {
            return Err(EIO);
        }
        // SAFETY: in bounds (checked above; type invariant).
        Ok(unsafe { self.virt.as_ptr().add(offset as usize) })
    }

    /// Kernel address of byte `offset` (for DAX `direct_access`).
    pub fn kaddr(&self, offset: u64) -> Result<*mut u8> {
        self.at(offset, 1)
    }

    /// Offset of kernel address `kaddr` if `len` bytes from it are mapped
    /// (address arithmetic only).
    pub fn offset_of(&self, kaddr: *mut u8, len: usize) -> Option<u64> {
        let off = (kaddr as usize).checked_sub(self.virt.as_ptr() as usize)? as u64;
        let end = off.checked_add(len as u64)?;
        (end <= self.len).then_some(off)
    }

    /// Writes one zero page at `offset` durably.
    pub fn write_zero_page(&self, offset: u64) -> Result {
        const PAGE: u32 = 4096;
        let dst = self.at(offset, PAGE)?;
        // SAFETY: `dst` is mapped for a page (checked); the zero page is a
        // readable page that never changes.
        unsafe {
            bindings::__memcpy_flushcache(dst.cast(), bindings::dpmem_zero_page(), PAGE as usize)
        };
        Ok(())
    }

    /// Copies `len` bytes from `src` to `offset` with cache-bypassing
    /// stores; returns the bytes copied (0 if the range is not mapped).
    pub fn copy_from_iter(&self, offset: u64, len: usize, src: &mut IovSource<'_>) -> usize {
        let Ok(dst) = u32::try_from(len)
            .map_err(|_| EIO)
            .and_then(|l| self.at(offset, l))
        else {
            return 0;
        };
        // SAFETY: `dst..dst + len` is inside the mapping (checked).
        unsafe { src.copy_flushcache(dst, len) }
    }

    /// Copies `seg` to `offset`, bypassing (or flushing) the CPU cache so
    /// the data is durable once the region is flushed (`memcpy_flushcache`).
    #[inline]
    pub fn write_from(&self, offset: u64, seg: &Segment<'_>) -> Result {
        let dst = self.at(offset, seg.len())?;
        // SAFETY: `dst` is mapped for `len` bytes (checked).
        unsafe { copy_to_media(dst, seg) };
        Ok(())
    }

    /// Copies from `offset` into `seg`, surviving a machine check on
    /// poisoned media: `EIO` then.
    #[inline]
    pub fn read_into(&self, offset: u64, seg: &Segment<'_>) -> Result {
        let src = self.at(offset, seg.len())?;
        // SAFETY: `src` is mapped for `len` bytes (checked).
        unsafe { copy_from_media(src, seg) }
    }

    /// The `len` mapped bytes from `offset`, to be consumed front to back
    /// by the segments of one bio.
    #[inline]
    pub fn span(&self, offset: u64, len: u32) -> Result<Span<'_>> {
        let next = self.at(offset, len)?;
        // INVARIANT: `at` checked that `len` bytes from `next` are mapped.
        Ok(Span {
            next,
            left: len as usize,
            _media: PhantomData,
        })
    }

    /// Drops CPU cache lines over `[offset, offset + len)` after the
    /// platform cleared poison there, so stale lines are not read back.
    pub fn invalidate(&self, offset: u64, len: u32) -> Result {
        let p = self.at(offset, len)?;
        // SAFETY: mapped for `len` bytes (checked).
        unsafe { bindings::arch_invalidate_pmem(p.cast(), len as usize) };
        Ok(())
    }
}

/// Copies `seg` to `dst` with `memcpy_flushcache`: durable once the
/// region is flushed.
///
/// # Safety
///
/// `dst` must be mapped media, valid for writes of `seg.len()` bytes.
#[inline(always)]
unsafe fn copy_to_media(dst: *mut u8, seg: &Segment<'_>) {
    // SAFETY: `dst` is valid for `len` bytes (caller); the segment's memory
    // is valid while its bio is in flight (`Segment` invariant).
    unsafe { bindings::__memcpy_flushcache(dst.cast(), seg.addr().cast(), seg.len() as usize) };
}

/// Copies `seg.len()` bytes from `src` into `seg` with the machine-check
/// safe copy: `EIO` if the media is poisoned.
///
/// # Safety
///
/// `src` must be mapped media, valid for reads of `seg.len()` bytes.
#[inline(always)]
unsafe fn copy_from_media(src: *mut u8, seg: &Segment<'_>) -> Result {
    // SAFETY: as in `copy_to_media`, the other way round.
    let left = unsafe { bindings::copy_mc_to_kernel(seg.addr().cast(), src.cast(), seg.len()) };
    if left != 0 {
        return Err(EIO);
    }
    Ok(())
}

/// A stretch of the mapping that the segments of one bio consume in order,
/// each taking the bytes after the previous one's: a bio that is
/// contiguous on the media is bounds-checked once for its whole size, and
/// each segment then costs one comparison, which no segment vector can
/// get past.
///
/// # Invariants
///
/// `next` is valid for reads and writes of `left` bytes of the mapping (or
/// buffer), which is borrowed for `'a`.
pub struct Span<'a> {
    next: *mut u8,
    left: usize,
    _media: PhantomData<&'a ()>,
}

impl<'a> Span<'a> {
    /// A span over ordinary memory, to test the data path without media.
    pub fn of_buffer(buf: &'a mut [u8]) -> Self {
        // INVARIANT: a slice borrowed mutably for `'a` is valid for reads
        // and writes of its length.
        Span {
            next: buf.as_mut_ptr(),
            left: buf.len(),
            _media: PhantomData,
        }
    }

    /// The next `len` bytes, if the span has them.
    #[inline(always)]
    fn take(&mut self, len: u32) -> Result<*mut u8> {
        let len = len as usize;
        if len > self.left {
            return Err(EIO);
        }
        let at = self.next;
        // SAFETY: `len <= left`: at most one past the span's end.
        self.next = unsafe { self.next.add(len) };
        // INVARIANT: `len` bytes were taken from the front.
        self.left -= len;
        Ok(at)
    }

    /// Writes `seg` to the next `seg.len()` bytes, as
    /// [`Mapping::write_from`].
    #[inline]
    pub fn write_from(&mut self, seg: &Segment<'_>) -> Result {
        let dst = self.take(seg.len())?;
        // SAFETY: `dst` is valid for `len` bytes (`take`, type invariant).
        unsafe { copy_to_media(dst, seg) };
        Ok(())
    }

    /// Reads the next `seg.len()` bytes into `seg`, as
    /// [`Mapping::read_into`].
    #[inline]
    pub fn read_into(&mut self, seg: &Segment<'_>) -> Result {
        let src = self.take(seg.len())?;
        // SAFETY: `src` is valid for `len` bytes (`take`, type invariant).
        unsafe { copy_from_media(src, seg) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: mapped in `new` (type invariant), unmapped once.
        unsafe { bindings::memunmap(self.virt.as_ptr().cast()) };
    }
}
