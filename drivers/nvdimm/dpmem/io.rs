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
use crate::pmem::{Flushed, Mapping, Region};
use kernel::prelude::*;

const SECTOR_SIZE: u64 = 1 << block::SECTOR_SHIFT;

/// Everything `submit_bio` needs; owned by the disk.
pub struct PmemIo {
    /// The data area, block sector 0 at offset 0.
    pub map: Mapping,
    /// The namespace's region: flushes and poison clearing.
    pub region: Region,
    /// Bad sectors of the data area.
    pub badblocks: Badblocks,
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
            self.clear_poison(bio, seg.sector(), off, seg.len())?;
        }
        self.map.write_from(off, seg).map_err(|_| Status::IOERR)
    }

    /// `pmem_clear_poison()`: clear what the platform can, drop it from the
    /// bad-block list, fail unless all of it was cleared.
    fn clear_poison(&self, bio: &Bio<'_>, sector: u64, off: u64, len: u32) -> Result<(), Status> {
        let cleared = self
            .region
            .clear_poison(self.map.phys() + off, len)
            .map_err(|_| Status::IOERR)?;
        if cleared > 0 {
            // Stale cache lines could still hold the poisoned data.
            let _ = self.map.invalidate(off, len);
            let sectors = cleared >> block::SECTOR_SHIFT;
            if sectors > 0 {
                self.badblocks.clear(sector, sectors);
                bio.notify_badblocks();
            }
        }
        if cleared < len {
            return Err(Status::IOERR);
        }
        Ok(())
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
        for seg in bio.segments() {
            let r = match op {
                Op::Write => this.write(&bio, &seg),
                _ => this.read(&seg),
            };
            if let Err(s) = r {
                status = s;
                break;
            }
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
