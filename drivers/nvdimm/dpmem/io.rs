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
//!
//! Device offsets are translated to the media by the layout: one run for
//! head placement, one per section for sectioned placement, where segments
//! and DAX ranges are split at the section's descriptor chunk. Nothing here
//! needs struct pages except DAX accesses that ask for a pfn: those wait for
//! their unit's descriptors ([`Lazy::ensure`]).

use crate::block::{self, Badblocks, Bio, Op, Segment, Segments, Status};
use crate::dax::{self, AccessMode, Direct, IovSource};
use crate::descriptors::Descriptors;
use crate::layout::Layout;
use crate::lazy::Lazy;
use crate::pmem::{Flushed, Mapping, Region, Span};
use kernel::prelude::*;
use kernel::sync::Arc;

const SECTOR_SIZE: u64 = 1 << block::SECTOR_SHIFT;
const PAGE_SIZE: u64 = 4096;
const PAGE_SHIFT: u32 = 12;

/// Everything `submit_bio` and DAX need; owned by the disk.
pub struct PmemIo {
    /// The namespace from its first byte to the end of the last data byte.
    /// Mapping from the namespace start rather than the first data byte
    /// lets `ioremap` use 1 GiB pages when the namespace is 1 GiB aligned,
    /// so binding a large namespace does not build a page table entry per
    /// 2 MiB of it.
    pub map: Mapping,
    /// Where each device byte lives.
    pub layout: Layout,
    /// The namespace's region: flushes and poison clearing.
    pub region: Region,
    /// Bad sectors of the device (device sectors).
    pub badblocks: Badblocks,
    /// The struct pages of the data, initialised lazily per unit; DAX hands
    /// out pfns only from initialised units.
    pub pages: Arc<Lazy<Descriptors>>,
}

/// Where a run of device bytes lives in the data mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// Offset in the mapping, i.e. from the start of the namespace.
    pub map_off: u64,
    /// Contiguous bytes there (at most what was asked).
    pub len: u64,
    /// The unit whose descriptors describe it.
    pub unit: u64,
}

/// Locates device byte `logical` of `layout`, the run being at most `len`
/// bytes; fails unless all `len` bytes are on the device.
#[inline(always)]
pub fn locate(layout: &Layout, logical: u64, len: u64) -> Result<Run> {
    match logical.checked_add(len) {
        Some(end) if end <= layout.data_size => {}
        _ => return Err(ERANGE),
    }
    let e = layout.locate(logical).ok_or(ERANGE)?;
    Ok(Run {
        map_off: e.offset,
        len: e.len.min(len),
        unit: e.unit,
    })
}

/// Calls `f` on each piece of `seg` that is contiguous on the media, with
/// its offset in the data mapping: a segment that crosses a descriptor
/// chunk (sectioned placement) is split around it.
pub fn for_each_piece(
    layout: &Layout,
    seg: &Segment<'_>,
    mut f: impl FnMut(u64, &Segment<'_>) -> Result<(), Status>,
) -> Result<(), Status> {
    let start = seg.sector().checked_mul(SECTOR_SIZE).ok_or(Status::IOERR)?;
    let mut done = 0u32;
    while done < seg.len() {
        let left = seg.len() - done;
        let run =
            locate(layout, start + u64::from(done), u64::from(left)).map_err(|_| Status::IOERR)?;
        // `run.len <= left`, a u32.
        let len = run.len as u32;
        let piece = seg.piece(done, len).ok_or(Status::IOERR)?;
        f(run.map_off, &piece)?;
        done += len;
    }
    Ok(())
}

/// Moves the segments of a bio that lies in one run of the media and
/// covers no listed bad sector into (`write`) or out of `media`, the span
/// under the whole bio: each segment takes the bytes after the previous
/// one's, so nothing is looked up and only the span is checked. The caller
/// reads the bad-block list once per bio, as racily as `pmem.c` reads it
/// once per segment: a range reported while the bio is in flight is
/// caught by the machine-check-safe read.
#[inline(always)]
pub fn transfer_linear(
    mut media: Span<'_>,
    write: bool,
    segments: &mut Segments<'_>,
) -> Result<(), Status> {
    if write {
        segments.try_for_each(|seg| media.write_from(&seg))
    } else {
        segments.try_for_each(|seg| media.read_into(&seg))
    }
    .map_err(|_| Status::IOERR)
}

impl PmemIo {
    #[inline(always)]
    fn locate(&self, logical: u64, len: u64) -> Result<Run> {
        locate(&self.layout, logical, len)
    }

    fn sectors(len: u32) -> u32 {
        len.div_ceil(SECTOR_SIZE as u32)
    }

    /// Reads `piece` (contiguous on the media) from mapping offset `off`.
    #[inline]
    fn read_piece(&self, off: u64, piece: &Segment<'_>) -> Result<(), Status> {
        if self
            .badblocks
            .is_bad(piece.sector(), Self::sectors(piece.len()))
        {
            return Err(Status::IOERR);
        }
        self.map.read_into(off, piece).map_err(|_| Status::IOERR)
    }

    /// Writes `piece` (contiguous on the media) to mapping offset `off`.
    #[inline]
    fn write_piece(&self, bio: &Bio<'_>, off: u64, piece: &Segment<'_>) -> Result<(), Status> {
        if self
            .badblocks
            .is_bad(piece.sector(), Self::sectors(piece.len()))
        {
            self.repair(bio, off, piece)?;
        }
        self.map.write_from(off, piece).map_err(|_| Status::IOERR)
    }

    /// Clears the poison under `piece` before it is written over; fails
    /// unless all of it was cleared.
    #[cold]
    fn repair(&self, bio: &Bio<'_>, off: u64, piece: &Segment<'_>) -> Result<(), Status> {
        let (cleared, all) = self.clear_poison(off, piece.len());
        if cleared > 0 {
            self.badblocks
                .clear(piece.sector(), cleared >> block::SECTOR_SHIFT);
            bio.notify_badblocks();
        }
        if all {
            Ok(())
        } else {
            Err(Status::IOERR)
        }
    }

    /// Moves one segment of `bio`, for bios that list bad sectors or do
    /// not lie in one run (else [`transfer_linear`]). `run` is the
    /// bio's first device byte and its mapping offset if the whole bio is
    /// contiguous on the media: then the segment's place is an addition
    /// and the mapping's bounds check is the only one (for head placement
    /// the mapping ends where the data does, so that is the device's end).
    /// Otherwise the segment is located, and split at descriptor chunks,
    /// on its own.
    #[inline]
    fn transfer(
        &self,
        bio: &Bio<'_>,
        write: bool,
        run: Option<(u64, u64)>,
        seg: &Segment<'_>,
    ) -> Result<(), Status> {
        if let Some((start, map_off)) = run {
            let off = seg
                .sector()
                .checked_mul(SECTOR_SIZE)
                .and_then(|at| at.checked_sub(start))
                .and_then(|rel| map_off.checked_add(rel))
                .ok_or(Status::IOERR)?;
            return if write {
                self.write_piece(bio, off, seg)
            } else {
                self.read_piece(off, seg)
            };
        }
        for_each_piece(&self.layout, seg, |off, piece| {
            if write {
                self.write_piece(bio, off, piece)
            } else {
                self.read_piece(off, piece)
            }
        })
    }

    /// `__pmem_clear_poison()`: asks the platform to clear `len` bytes at
    /// mapping offset `off` (contiguous on the media) and invalidates the cache over them. Returns the bytes cleared
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

    /// Device byte offset of page `pgoff` and where the page lives.
    #[inline]
    fn page(&self, pgoff: u64) -> Result<(u64, Run)> {
        let off = pgoff.checked_mul(PAGE_SIZE).ok_or(ERANGE)?;
        Ok((off, self.locate(off, PAGE_SIZE)?))
    }

    /// Device byte offset of page `pgoff` and the whole run from there to
    /// the end of its unit's data (contiguous on the media).
    #[inline]
    fn run_at(&self, pgoff: u64) -> Result<(u64, Run)> {
        let off = pgoff.checked_mul(PAGE_SIZE).ok_or(ERANGE)?;
        let rest = self.layout.data_size.checked_sub(off).ok_or(ERANGE)?;
        Ok((off, self.locate(off, rest)?))
    }
}

impl block::Operations for PmemIo {
    #[inline]
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
        let write = op == Op::Write;
        // The bio's first byte and its place in the mapping, if the whole
        // bio is contiguous on the media: always with head placement, else
        // when it does not cross a descriptor chunk.
        let run = bio.sector().checked_mul(SECTOR_SIZE).and_then(|start| {
            let map_off = match this.layout.linear_map_offset() {
                Some(base) => base.checked_add(start)?,
                None => {
                    let size = u64::from(bio.size());
                    let run = this.locate(start, size).ok()?;
                    (run.len == size).then_some(run.map_off)?
                }
            };
            Some((start, map_off))
        });
        let mut segments = bio.segments();
        let mut status = match run {
            // The usual case: one bounds check for the bio, one comparison
            // per segment. Not for an empty bio (a pure flush): it moves
            // nothing, so its sector, which nothing else checks, must not
            // fail it.
            Some((_, map_off)) if bio.size() != 0 && this.badblocks.count() == 0 => this
                .map
                .span(map_off, bio.size())
                .map_err(|_| Status::IOERR)
                .and_then(|span| transfer_linear(span, write, &mut segments))
                .err()
                .unwrap_or(Status::OK),
            _ => segments
                .by_ref()
                .try_for_each(|seg| this.transfer(&bio, write, run, &seg))
                .err()
                .unwrap_or(Status::OK),
        };
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
    #[inline]
    fn direct_access(
        this: Pin<&Self>,
        pgoff: u64,
        pages: i64,
        mode: AccessMode,
        want_pages: bool,
    ) -> Result<Direct> {
        let (off, run) = this.run_at(pgoff)?;
        if want_pages {
            // The caller maps the pfn: its struct pages must exist. Waits
            // for the worker the first time in each unit.
            Lazy::ensure(&this.pages, run.unit)?;
        }
        let kaddr = this.map.kaddr(run.map_off)?;
        // Never more than the run: the next one is another unit, behind a
        // descriptor chunk.
        let avail = (run.len >> PAGE_SHIFT) as i64;
        let pages = pages.max(0).min(avail);
        let sector = off >> block::SECTOR_SHIFT;
        let sectors = u32::try_from((pages as u64).saturating_mul(PAGE_SIZE / SECTOR_SIZE))
            .unwrap_or(u32::MAX);
        let direct = |pages: i64| Direct {
            kaddr,
            phys: this.map.phys() + run.map_off,
            has_pages: want_pages,
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
            return Ok(direct(good.max(1).min(avail)));
        }
        if this.badblocks.count() > 0 {
            // Known good only as far as was asked.
            return Ok(direct(pages));
        }
        Ok(direct(avail))
    }

    /// `pmem_dax_zero_page_range()`: page by page through the write path,
    /// so poison is cleared.
    fn zero_page_range(this: Pin<&Self>, pgoff: u64, pages: u64) -> Result {
        for p in pgoff..pgoff.checked_add(pages).ok_or(ERANGE)? {
            let (off, page) = this.page(p)?;
            let sector = off >> block::SECTOR_SHIFT;
            let sectors = (PAGE_SIZE / SECTOR_SIZE) as u32;
            if this.badblocks.is_bad(sector, sectors) {
                let (cleared, all) = this.clear_poison(page.map_off, PAGE_SIZE as u32);
                if cleared > 0 {
                    this.badblocks.clear(sector, cleared >> block::SECTOR_SHIFT);
                }
                if !all {
                    return Err(EIO);
                }
            }
            this.map.write_zero_page(page.map_off)?;
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
        let Ok((off, run)) = this.run_at(pgoff) else {
            return 0;
        };
        let sector = off >> block::SECTOR_SHIFT;
        let sectors = u32::try_from(len as u64 / SECTOR_SIZE).unwrap_or(u32::MAX);
        // `kaddr` came from our `direct_access` for `pgoff`: the copy must
        // stay in that page's run (never reach a descriptor chunk).
        let Some(dst) = this.map.offset_of(kaddr, bytes) else {
            return 0;
        };
        if dst < run.map_off || dst - run.map_off + bytes as u64 > run.len {
            return 0;
        }
        if !this.badblocks.is_bad(sector, sectors) {
            return this.map.copy_from_iter(dst, bytes, src);
        }
        if in_page != 0 || bytes % PAGE_SIZE as usize != 0 {
            return 0;
        }
        let Ok(len) = u32::try_from(len) else {
            return 0;
        };
        let (cleared, all) = this.clear_poison(dst, len);
        if !all {
            return 0;
        }
        let n = this.map.copy_from_iter(dst, bytes, src);
        this.badblocks.clear(sector, cleared >> block::SECTOR_SHIFT);
        n
    }
}
