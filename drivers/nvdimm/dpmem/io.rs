// SPDX-License-Identifier: GPL-2.0

//! The block data path of a bound namespace: bios against the data area,
//! with the persistence rules of `drivers/nvdimm/pmem.c`.
//!
//! - Writes go through `memcpy_flushcache`, so once the region is flushed
//!   they are durable; `REQ_PREFLUSH` flushes the region before the bio's
//!   data, `REQ_FUA` after it.
//! - Reads use a machine-check-safe copy: poisoned media fails the bio with
//!   EIO instead of crashing the kernel. Sectors on the bad-block list fail
//!   reads up front.
//! - A write over bad sectors first asks the platform to clear the poison,
//!   and fails if it cannot (the media would still be bad).
//!
//! `flush_dcache_page()` after a read is a no-op on x86, the only
//! architecture dpmem builds for.

use crate::block::{self, Badblocks, Bio, Op, Segment, Status};
use crate::dax::{self, AccessMode, Direct, IovSource};
use crate::pmem::{Flushed, Mapping, Region};
use kernel::prelude::*;

const SECTOR_SIZE: u64 = 1 << block::SECTOR_SHIFT;
const PAGE_SIZE: u64 = 4096;
const PAGE_SHIFT: u32 = 12;

/// Everything `submit_bio` needs; owned by the disk.
pub struct PmemIo {
    /// The data area, block sector 0 at offset 0.
    pub map: Mapping,
    /// The namespace's region: flushes and poison clearing.
    pub region: Region,
    /// Bad sectors of the data area.
    pub badblocks: Badblocks,
    /// The data area has struct pages (a page map covers it), so DAX can
    /// hand out pfns that filesystems may map.
    pub has_pages: bool,
}

impl PmemIo {
    /// Byte offset of `seg` in the data area, if it lies inside it.
    fn offset_of(&self, seg: &Segment<'_>) -> Result<u64, Status> {
        let off = seg.sector().checked_mul(SECTOR_SIZE).ok_or(Status::IOERR)?;
        match off.checked_add(u64::from(seg.len())) {
            Some(end) if end <= self.map.len() => Ok(off),
            _ => Err(Status::IOERR),
        }
    }

    fn sectors(len: u32) -> u32 {
        len.div_ceil(SECTOR_SIZE as u32)
    }

    fn read(&self, seg: &Segment<'_>) -> Result<(), Status> {
        let off = self.offset_of(seg)?;
        if self
            .badblocks
            .is_bad(seg.sector(), Self::sectors(seg.len()))
        {
            return Err(Status::IOERR);
        }
        self.map.read_into(off, seg).map_err(|_| Status::IOERR)
    }

    fn write(&self, bio: &Bio<'_>, seg: &Segment<'_>) -> Result<(), Status> {
        let off = self.offset_of(seg)?;
        if self
            .badblocks
            .is_bad(seg.sector(), Self::sectors(seg.len()))
        {
            let (cleared, all) = self.clear_poison(off, seg.len());
            if cleared > 0 {
                self.badblocks
                    .clear(seg.sector(), cleared >> block::SECTOR_SHIFT);
                bio.notify_badblocks();
            }
            if !all {
                return Err(Status::IOERR);
            }
        }
        self.map.write_from(off, seg).map_err(|_| Status::IOERR)
    }

    /// `__pmem_clear_poison()`: asks the platform to clear `len` bytes at
    /// `off` and invalidates the cache over them. Returns the bytes cleared
    /// and whether that was all of them; the caller drops the cleared
    /// sectors from the bad-block list.
    ///
    /// One page at a time, stopping at the first page not fully cleared (so
    /// what was cleared is a prefix): our segments span many pages, and
    /// platforms do not clear large ranges reliably (see `pmem.c`).
    fn clear_poison(&self, off: u64, len: u32) -> (u32, bool) {
        let mut done = 0u32;
        while done < len {
            let piece =
                (len - done).min(PAGE_SIZE as u32 - ((off + u64::from(done)) % PAGE_SIZE) as u32);
            let at = off + u64::from(done);
            let Ok(cleared) = self.region.clear_poison(self.map.phys() + at, piece) else {
                break;
            };
            if cleared > 0 {
                // Stale cache lines could still hold the poisoned data.
                let _ = self.map.invalidate(at, piece);
            }
            done += cleared;
            if cleared < piece {
                break;
            }
        }
        (done, done >= len)
    }

    /// Byte offset of page `pgoff` of the data area, if it exists.
    fn page_offset(&self, pgoff: u64) -> Result<u64> {
        pgoff
            .checked_mul(PAGE_SIZE)
            .filter(|&off| off < self.map.len())
            .ok_or(ERANGE)
    }
}

impl block::Operations for PmemIo {
    fn submit_bio(this: Pin<&Self>, bio: Bio<'_>) {
        let op = bio.op();
        if !matches!(op, Op::Read | Op::Write) {
            // Our queue limits advertise no discard, write-zeroes or zoned
            // operations; the block layer should never send them.
            bio.end(Status::NOTSUPP);
            return;
        }
        if bio.preflush() {
            if let Err(e) = this.region.flush() {
                bio.end(Status::from_error(e));
                return;
            }
        }
        let acct = bio.start_accounting();
        let mut status = Status::OK;
        let mut segments = bio.segments();
        for seg in segments.by_ref() {
            let r = match op {
                Op::Write => this.write(&bio, &seg),
                _ => this.read(&seg),
            };
            if let Err(s) = r {
                status = s;
                break;
            }
        }
        if status == Status::OK && !segments.exhausted() {
            // The bio's vector ends before its size: never report data we
            // did not move as transferred.
            status = Status::IOERR;
        }
        bio.end_accounting(acct);
        if bio.fua() && status == Status::OK {
            let (flushed, r) = this.region.flush_bio(bio);
            match flushed {
                Flushed::Async => {}
                Flushed::Done(bio) => bio.end(r.map_or_else(Status::from_error, |()| status)),
            }
            return;
        }
        bio.end(status);
    }

    fn badblocks(this: &Self) -> Option<&Badblocks> {
        Some(&this.badblocks)
    }
}

impl dax::Operations for PmemIo {
    /// `__pmem_direct_access()`.
    fn direct_access(
        this: Pin<&Self>,
        pgoff: u64,
        pages: i64,
        mode: AccessMode,
        want_pages: bool,
    ) -> Result<Direct> {
        if want_pages && !this.has_pages {
            return Err(ENXIO);
        }
        let off = this.page_offset(pgoff)?;
        let kaddr = this.map.kaddr(off)?;
        let sector = off >> block::SECTOR_SHIFT;
        let sectors = u32::try_from((pages.max(0) as u64).saturating_mul(PAGE_SIZE / SECTOR_SIZE))
            .unwrap_or(u32::MAX);
        let direct = |pages: i64| Direct {
            kaddr,
            phys: this.map.phys() + off,
            has_pages: this.has_pages,
            pages,
        };
        if let Some(first_bad) = this.badblocks.first_bad(sector, sectors) {
            if mode != AccessMode::RecoveryWrite {
                return Err(dax::ehwpoison());
            }
            // Recover page by page: clearing poison in big chunks is not
            // reliable on real platforms (as pmem.c notes).
            // `first_bad` may lie before `sector` when a bad range starts
            // earlier: then no page is good.
            let good = (first_bad.saturating_sub(sector) * SECTOR_SIZE).div_ceil(PAGE_SIZE) as i64;
            return Ok(direct(good.max(1)));
        }
        if this.badblocks.count() > 0 {
            // Known good only as far as was asked.
            return Ok(direct(pages));
        }
        Ok(direct(((this.map.len() - off) >> PAGE_SHIFT) as i64))
    }

    /// `pmem_dax_zero_page_range()`: page by page through the write path,
    /// so poison is cleared.
    fn zero_page_range(this: Pin<&Self>, pgoff: u64, pages: u64) -> Result {
        for p in pgoff..pgoff.checked_add(pages).ok_or(ERANGE)? {
            let off = this.page_offset(p)?;
            let sector = off >> block::SECTOR_SHIFT;
            let sectors = (PAGE_SIZE / SECTOR_SIZE) as u32;
            if this.badblocks.is_bad(sector, sectors) {
                let (cleared, all) = this.clear_poison(off, PAGE_SIZE as u32);
                if cleared > 0 {
                    this.badblocks.clear(sector, cleared >> block::SECTOR_SHIFT);
                }
                if !all {
                    return Err(EIO);
                }
            }
            this.map.write_zero_page(off)?;
        }
        Ok(())
    }

    /// `pmem_recovery_write()`: whole poisoned pages are cleared, then
    /// written; anything else is copied as usual.
    fn recovery_write(
        this: Pin<&Self>,
        pgoff: u64,
        kaddr: *mut u8,
        bytes: usize,
        src: &mut IovSource<'_>,
    ) -> usize {
        let in_page = kaddr as usize & (PAGE_SIZE as usize - 1);
        let Some(len) = in_page
            .checked_add(bytes)
            .and_then(|l| l.checked_next_multiple_of(PAGE_SIZE as usize))
        else {
            return 0;
        };
        let Ok(off) = this.page_offset(pgoff) else {
            return 0;
        };
        let sector = off >> block::SECTOR_SHIFT;
        let sectors = u32::try_from(len as u64 / SECTOR_SIZE).unwrap_or(u32::MAX);
        // `kaddr` came from our `direct_access`; anything else is refused.
        let Some(dst) = this.map.offset_of(kaddr, bytes) else {
            return 0;
        };
        if !this.badblocks.is_bad(sector, sectors) {
            return this.map.copy_from_iter(dst, bytes, src);
        }
        if in_page != 0 || bytes % PAGE_SIZE as usize != 0 {
            return 0;
        }
        let Ok(len) = u32::try_from(len) else {
            return 0;
        };
        let (cleared, all) = this.clear_poison(off, len);
        if !all {
            return 0;
        }
        let n = this.map.copy_from_iter(dst, bytes, src);
        this.badblocks.clear(sector, cleared >> block::SECTOR_SHIFT);
        n
    }
}
