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
//! are split at the section's descriptor chunk. Block I/O never needs
//! struct pages.

#![forbid(unsafe_code)]

use crate::abstractions::block::{
    self, Badblocks, Bio, Op, Segment, Segments, Status, SECTOR_SIZE,
};
use crate::abstractions::nvdimm::Flushed;
use crate::abstractions::pmem::Span;
use crate::device::PmemDevice;
use crate::format::layout::Layout;
use kernel::prelude::*;

/// A bio that is contiguous on the media: its first device byte, and where
/// that byte is in the mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearBio {
    /// Device byte offset of the bio's first sector.
    pub start: u64,
    /// Mapping offset of that byte.
    pub map_off: u64,
}

impl LinearBio {
    /// Where `bio` lies if it is contiguous on the media: always with head
    /// placement, else when it does not cross a descriptor chunk.
    #[inline(always)]
    pub fn of(dev: &PmemDevice, bio: &Bio<'_>) -> Option<Self> {
        let start = bio.sector().checked_mul(SECTOR_SIZE)?;
        let map_off = match dev.layout.linear_map_offset() {
            Some(base) => base.checked_add(start)?,
            None => {
                let size = u64::from(bio.size());
                let run = dev.locate(start, size).ok()?;
                (run.len == size).then_some(run.offset)?
            }
        };
        Some(Self { start, map_off })
    }

    /// Mapping offset of `seg`, one of the bio's segments.
    #[inline(always)]
    fn offset_of(self, seg: &Segment<'_>) -> Option<u64> {
        seg.sector()
            .checked_mul(SECTOR_SIZE)?
            .checked_sub(self.start)
            .and_then(|rel| self.map_off.checked_add(rel))
    }
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
        let run = layout
            .locate_range(start + u64::from(done), u64::from(left))
            .ok_or(Status::IOERR)?;
        // `run.len <= left`, a u32.
        let len = run.len as u32;
        let piece = seg.piece(done, len).ok_or(Status::IOERR)?;
        f(run.offset, &piece)?;
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

/// The block path's helpers, for bios that list bad sectors or cross a
/// descriptor chunk (else [`transfer_linear`]).
impl PmemDevice {
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
    fn write_piece(&self, off: u64, piece: &Segment<'_>) -> Result<(), Status> {
        if self
            .badblocks
            .is_bad(piece.sector(), Self::sectors(piece.len()))
        {
            self.repair(off, piece)?;
        }
        self.map.write_from(off, piece).map_err(|_| Status::IOERR)
    }

    /// Clears the poison under `piece` before it is written over; fails
    /// unless all of it was cleared.
    #[cold]
    fn repair(&self, off: u64, piece: &Segment<'_>) -> Result<(), Status> {
        let cleared = self.clear_poison(off, piece.len());
        if cleared.bytes > 0 {
            self.clear_bad(piece.sector(), cleared.bytes >> block::SECTOR_SHIFT);
        }
        if cleared.all {
            Ok(())
        } else {
            Err(Status::IOERR)
        }
    }

    /// Moves one segment of a bio. If the whole bio is contiguous on the
    /// media (`run`), the segment's place is an addition and the mapping's
    /// bounds check is the only one (for head placement the mapping ends
    /// where the data does, so that is the device's end). Otherwise the
    /// segment is located, and split at descriptor chunks, on its own.
    #[inline]
    fn transfer(
        &self,
        write: bool,
        run: Option<LinearBio>,
        seg: &Segment<'_>,
    ) -> Result<(), Status> {
        if let Some(run) = run {
            let off = run.offset_of(seg).ok_or(Status::IOERR)?;
            return if write {
                self.write_piece(off, seg)
            } else {
                self.read_piece(off, seg)
            };
        }
        for_each_piece(&self.layout, seg, |off, piece| {
            if write {
                self.write_piece(off, piece)
            } else {
                self.read_piece(off, piece)
            }
        })
    }
}

impl block::Operations for PmemDevice {
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
        let run = LinearBio::of(&this, &bio);
        let mut segments = bio.segments();
        let mut status = match run {
            // The usual case: one bounds check for the bio, one comparison
            // per segment. Not for an empty bio (a pure flush): it moves
            // nothing, so its sector, which nothing else checks, must not
            // fail it.
            Some(run) if bio.size() != 0 && this.badblocks.count() == 0 => this
                .map
                .span(run.map_off, bio.size())
                .map_err(|_| Status::IOERR)
                .and_then(|span| transfer_linear(span, write, &mut segments))
                .err()
                .unwrap_or(Status::OK),
            _ => segments
                .by_ref()
                .try_for_each(|seg| this.transfer(write, run, &seg))
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
            match this.region.flush_bio(bio) {
                Flushed::Async => {}
                Flushed::Done(bio, r) => bio.end(r.map_or_else(Status::from_error, |()| status)),
            }
            return;
        }
        bio.end(status);
    }

    fn badblocks(this: &Self) -> Option<&Badblocks> {
        Some(&this.badblocks)
    }
}
