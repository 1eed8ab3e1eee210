// SPDX-License-Identifier: GPL-2.0

//! DAX on a bound namespace: `direct_access`, `zero_page_range` and
//! `recovery_write` as `drivers/nvdimm/pmem.c` does them, over the layout's
//! runs (a range never reaches past its unit's data, behind which a
//! descriptor chunk lies). Accesses that map pfns wait for their unit's
//! struct pages ([`Lazy::ensure`]).

#![forbid(unsafe_code)]

use crate::abstractions::block::{SECTOR_SHIFT, SECTOR_SIZE};
use crate::abstractions::dax::{self, AccessMode, Direct, IovSource};
use crate::device::PmemDevice;
use crate::format::layout::PAGE_SIZE;
use crate::lazy::Lazy;
use kernel::prelude::*;

impl dax::Operations for PmemDevice {
    /// `__pmem_direct_access()`.
    #[inline]
    fn direct_access(
        this: Pin<&Self>,
        pgoff: u64,
        pages: i64,
        mode: AccessMode,
        want_pages: bool,
    ) -> Result<Direct> {
        let at = this.run_at(pgoff)?;
        let (off, run) = (at.offset, at.media);
        if want_pages {
            // The caller maps the pfn: its struct pages must exist. Waits
            // for the worker the first time in each unit.
            Lazy::ensure(&this.pages, run.unit)?;
        }
        let kaddr = this.map.kaddr(run.offset)?;
        // Never more than the run: the next one is another unit, behind a
        // descriptor chunk.
        let avail = (run.len / PAGE_SIZE) as i64;
        let pages = pages.max(0).min(avail);
        let sector = off >> SECTOR_SHIFT;
        let sectors = u32::try_from((pages as u64).saturating_mul(PAGE_SIZE / SECTOR_SIZE))
            .unwrap_or(u32::MAX);
        let direct = |pages: i64| Direct {
            kaddr,
            phys: this.map.phys() + run.offset,
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
            let at = this.page(p)?;
            let (off, page) = (at.offset, at.media);
            let sector = off >> SECTOR_SHIFT;
            let sectors = (PAGE_SIZE / SECTOR_SIZE) as u32;
            if this.badblocks.is_bad(sector, sectors) {
                let cleared = this.clear_poison(page.offset, PAGE_SIZE as u32);
                if cleared.bytes > 0 {
                    this.clear_bad(sector, cleared.bytes >> SECTOR_SHIFT);
                }
                if !cleared.all {
                    return Err(EIO);
                }
            }
            this.map.write_zero_page(page.offset)?;
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
        let Ok(at) = this.run_at(pgoff) else {
            return 0;
        };
        let (off, run) = (at.offset, at.media);
        let sector = off >> SECTOR_SHIFT;
        let sectors = u32::try_from(len as u64 / SECTOR_SIZE).unwrap_or(u32::MAX);
        // `kaddr` came from our `direct_access` for `pgoff`: the copy must
        // stay in that page's run (never reach a descriptor chunk).
        let Some(dst) = this.map.offset_of(kaddr, bytes) else {
            return 0;
        };
        if dst < run.offset || dst - run.offset + bytes as u64 > run.len {
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
        let cleared = this.clear_poison(dst, len);
        if !cleared.all {
            return 0;
        }
        let n = this.map.copy_from_iter(dst, bytes, src);
        this.clear_bad(sector, cleared.bytes >> SECTOR_SHIFT);
        n
    }
}
