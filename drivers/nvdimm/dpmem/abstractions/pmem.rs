// SPDX-License-Identifier: GPL-2.0

//! Persistent memory itself: a kernel mapping of claimed pmem and the copy
//! routines pmem needs (cache-bypassing writes that the region's flush
//! makes durable, machine-check-safe reads that turn poison into `EIO`).
//!
//! C headers: [`include/linux/io.h`](srctree/include/linux/io.h),
//! [`include/linux/uio.h`](srctree/include/linux/uio.h)

use crate::abstractions::bindings;
use crate::abstractions::block::Segment;
use crate::abstractions::dax::IovSource;
use crate::abstractions::resource::MemClaim;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::sync::Arc;

/// A write-back kernel mapping of persistent memory
/// (`memremap(ARCH_MEMREMAP_PMEM)`), unmapped on drop.
///
/// # Invariants
///
/// `virt` maps `len` bytes of physical memory from `phys`; nothing else
/// unmaps it. `_claim` covers that range and is released only after the
/// mapping is gone (fields drop after `drop`).
pub struct Mapping {
    virt: NonNull<u8>,
    phys: u64,
    len: u64,
    _claim: Arc<MemClaim>,
}

// SAFETY: a kernel mapping is valid on every CPU.
unsafe impl Send for Mapping {}
// SAFETY: the copy routines take `&self`; concurrent copies to the same
// bytes race like concurrent DMA would, which the block layer's users order
// themselves, and never touch Rust-visible state.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `[phys, phys + len)`, which `claim` proves is the caller's; the
    /// mapping keeps the claim until it is unmapped.
    pub fn new(claim: Arc<MemClaim>, phys: u64, len: u64) -> Result<Self> {
        if !claim.covers(phys, len) {
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
        // INVARIANT: mapped above, inside the claim checked above.
        Ok(Self {
            virt,
            phys,
            len,
            _claim: claim,
        })
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

/// Reads `buf.len()` bytes of pmem at physical `phys` that someone else has
/// claimed (a namespace another driver serves), through a mapping of our own
/// made for this read only, with the machine-check safe copy: `EIO` on
/// poison, `ENOMEM` if it cannot be mapped. Reading disturbs nobody: the
/// owner's mappings are write-back too, and nothing is written. The caller
/// keeps to the owner's range and away from its known poison: on CPUs
/// without recoverable machine checks the copy is a plain `memcpy`.
pub fn peek(phys: u64, buf: &mut [u8]) -> Result {
    if buf.is_empty() {
        return Ok(());
    }
    let len = u32::try_from(buf.len()).map_err(|_| EINVAL)?;
    // SAFETY: maps pmem that is not RAM, for reading only; no other effect.
    let virt = unsafe {
        bindings::memremap(
            phys,
            buf.len(),
            bindings::DPMEM_MEMREMAP_PMEM as kernel::ffi::c_ulong,
        )
    };
    if virt.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `virt` maps `buf.len()` bytes (above); `buf` is ours.
    let left = unsafe { bindings::copy_mc_to_kernel(buf.as_mut_ptr().cast(), virt, len) };
    // SAFETY: mapped above, unmapped once.
    unsafe { bindings::memunmap(virt) };
    if left != 0 {
        return Err(EIO);
    }
    Ok(())
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: mapped in `new` (type invariant), unmapped once.
        unsafe { bindings::memunmap(self.virt.as_ptr().cast()) };
    }
}
