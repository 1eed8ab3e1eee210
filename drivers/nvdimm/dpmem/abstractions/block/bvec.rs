// SPDX-License-Identifier: GPL-2.0

//! The data segments of a bio (`struct bio_vec`, `bvec_iter`), walked as
//! `bio_for_each_bvec` does.
//!
//! C header: [`include/linux/bvec.h`](srctree/include/linux/bvec.h)

use super::{Bio, SECTOR_SHIFT};
use crate::abstractions::bindings;
use core::marker::PhantomData;

/// Iterator over the multi-page segments of a bio (like
/// `bio_for_each_bvec`): each one is contiguous in the direct map.
///
/// # Invariants
///
/// `vecs` has `vcnt` entries; `iter` is a copy of the bio's iterator. Both
/// are valid while the bio borrowed for `'a` is not ended.
pub struct Segments<'a> {
    pub(super) vecs: *const bindings::bio_vec,
    pub(super) vcnt: u32,
    pub(super) iter: bindings::bvec_iter,
    pub(super) _bio: PhantomData<&'a Bio<'a>>,
}

/// One contiguous piece of a bio's data.
///
/// # Invariants
///
/// `addr` is valid for reads and writes of `len` bytes while the bio it
/// came from (borrowed for `'a`) has not been ended.
pub struct Segment<'a> {
    addr: *mut u8,
    len: u32,
    sector: u64,
    _bio: PhantomData<&'a ()>,
}

impl Segment<'_> {
    /// Start of the segment's memory.
    #[inline]
    pub fn addr(&self) -> *mut u8 {
        self.addr
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the segment is empty (never, for segments a bio yields).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Device sector the segment starts at.
    #[inline]
    pub fn sector(&self) -> u64 {
        self.sector
    }

    /// The `len` bytes from byte `skip` (a whole number of sectors), if
    /// they are inside the segment.
    #[inline]
    pub fn piece(&self, skip: u32, len: u32) -> Option<Segment<'_>> {
        if skip % (1 << SECTOR_SHIFT) != 0 || skip.checked_add(len)? > self.len {
            return None;
        }
        // INVARIANT: inside this segment, valid as long as it is.
        Some(Segment {
            // SAFETY: `skip <= len`, so in bounds of the segment's memory.
            addr: unsafe { self.addr.add(skip as usize) },
            len,
            sector: self.sector + u64::from(skip >> SECTOR_SHIFT),
            _bio: PhantomData,
        })
    }
}

impl Segments<'_> {
    /// Whether every byte of the bio was yielded. False after the iterator
    /// stopped early on a bio whose vector is inconsistent with its size:
    /// the caller must then fail the bio rather than complete it.
    pub fn exhausted(&self) -> bool {
        self.iter.bi_size == 0
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    #[inline]
    fn next(&mut self) -> Option<Segment<'a>> {
        let it = &mut self.iter;
        if it.bi_size == 0 || it.bi_idx >= self.vcnt {
            return None;
        }
        // SAFETY: `bi_idx < vcnt` (checked above; type invariant).
        let bv = unsafe { &*self.vecs.add(it.bi_idx as usize) };
        // One test covers a position at or past the bvec's end (then
        // nothing is left of it) and keeps `len` non-zero.
        if it.bi_bvec_done >= bv.bv_len {
            return None;
        }
        let len = it.bi_size.min(bv.bv_len - it.bi_bvec_done);
        // Two u32s cannot overflow a (64-bit) usize.
        let offset = bv.bv_offset as usize + it.bi_bvec_done as usize;
        // SAFETY: the bvec's pages are contiguous and mapped (no HIGHMEM,
        // enforced at build time); the offset stays inside the bvec.
        let addr = unsafe { bindings::dpmem_bvec_virt(bv.bv_page, offset) };
        // INVARIANT: `len` bytes from `addr` are the bvec's, within the bio.
        let seg = Segment {
            addr: addr.cast(),
            len,
            sector: it.bi_sector,
            _bio: PhantomData,
        };
        // A sector past u64::MAX saturates, so the next segment fails the
        // caller's bounds check instead of wrapping to the device start.
        it.bi_sector = it.bi_sector.saturating_add(u64::from(len >> SECTOR_SHIFT));
        // Cannot underflow or overflow: `len <= bi_size` and
        // `len <= bv_len - bi_bvec_done` (wrapping only so the compiler,
        // which cannot see the second, adds no overflow panic).
        it.bi_size -= len;
        it.bi_bvec_done = it.bi_bvec_done.wrapping_add(len);
        if it.bi_bvec_done == bv.bv_len {
            it.bi_idx += 1;
            it.bi_bvec_done = 0;
        }
        Some(seg)
    }
}
