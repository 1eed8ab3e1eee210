// SPDX-License-Identifier: GPL-2.0

//! The pmem device a dpmem disk serves (`struct pmem_device` in
//! `drivers/nvdimm/pmem.c`): the mapped namespace, its layout, region, bad
//! sectors and struct pages, and what the block path ([`crate::io`]) and
//! DAX ([`crate::dax_ops`]) share: where device pages are, and clearing
//! poison.

#![forbid(unsafe_code)]

use crate::abstractions::block::Badblocks;
use crate::abstractions::nvdimm::Region;
use crate::abstractions::pmem::Mapping;
use crate::format::layout::{Extent, Layout, PAGE_SIZE};
use crate::format::naming::DiskName;
use crate::lazy::LazyOwner;
use crate::struct_pages::StructPages;
use kernel::prelude::*;

/// Device bytes from `offset` (a byte offset of the block device) and where
/// they are on the media.
#[derive(Clone, Copy, Debug)]
pub struct DeviceRun {
    /// Byte offset on the block device (sector 0 is 0).
    pub offset: u64,
    /// Where those bytes are, contiguous on the media.
    pub media: Extent,
}

/// What [`PmemDevice::clear_poison`] achieved.
#[derive(Clone, Copy, Debug)]
pub struct Cleared {
    /// Bytes cleared: a prefix of the range asked for.
    pub bytes: u32,
    /// Whether that was the whole range.
    pub all: bool,
}

/// Everything `submit_bio` and DAX need; owned by the disk, freed with its
/// last reference.
pub struct PmemDevice {
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
    /// out pfns only from initialised units. Owned here, so they last as
    /// long as the disk: a filesystem mounted on it when the namespace is
    /// unbound still has DAX entries (and its users mappings) over them
    /// until it lets go of the disk (see [`crate::attach::Binding`]).
    pub pages: LazyOwner<StructPages>,
    /// The disk's name, for the kernel log.
    pub name: DiskName,
}

impl PmemDevice {
    /// Where the `len` device bytes from `logical` start on the media (the
    /// extent's offset is from the namespace start, as in the mapping);
    /// `ERANGE` unless all of them are on the device.
    #[inline(always)]
    pub fn locate(&self, logical: u64, len: u64) -> Result<Extent> {
        self.layout.locate_range(logical, len).ok_or(ERANGE)
    }

    /// `__pmem_clear_poison()`: asks the platform to clear `len` bytes at
    /// mapping offset `off` (contiguous on the media) and invalidates the
    /// cache over them. Returns how much was cleared; the caller drops the
    /// cleared sectors from the bad-block list.
    ///
    /// One page at a time, stopping at the first page not fully cleared (so
    /// what was cleared is a prefix): our segments span many pages, and
    /// platforms do not clear large ranges reliably (see `pmem.c`).
    pub fn clear_poison(&self, off: u64, len: u32) -> Cleared {
        let mut done = 0u32;
        while done < len {
            let piece =
                (len - done).min(PAGE_SIZE as u32 - ((off + u64::from(done)) % PAGE_SIZE) as u32);
            let at = off + u64::from(done);
            let Ok(cleared) = self.region.clear_poison(self.map.phys() + at, piece) else {
                break;
            };
            if cleared > 0 {
                if cleared == PAGE_SIZE as u32 {
                    self.mkpage_present(at);
                }
                // Stale cache lines could still hold the poisoned data.
                let _ = self.map.invalidate(at, piece);
            }
            done += cleared;
            if cleared < piece {
                break;
            }
        }
        Cleared {
            bytes: done,
            all: done >= len,
        }
    }

    /// `pmem_mkpage_present()`: the page at mapping offset `off`, whose
    /// poison was just cleared in full, goes back into service if
    /// `memory_failure()` had taken it out (only pages with struct pages
    /// can have been).
    fn mkpage_present(&self, off: u64) {
        let Some(unit) = self.layout.unit_at(off) else {
            return;
        };
        let pfn = (self.map.phys() + off) / PAGE_SIZE;
        // The flag under the lock that keeps the unit; the direct map, which
        // may allocate, after it: the owner (borrowed through `self`) keeps
        // the unit until the disk's last reference.
        let Some(page) = self
            .pages
            .with_ready(unit, |map| map.take_hwpoison(pfn))
            .flatten()
        else {
            return;
        };
        let (name, phys) = (self.name.as_str(), page.phys());
        match page.restore_direct_map() {
            Ok(()) => pr_info!("{name}: poison cleared at {phys:#x}: page back in service\n"),
            Err(e) => pr_warn!(
                "{name}: poison cleared at {phys:#x}, but its direct mapping cannot be restored: error {}\n",
                e.to_errno()
            ),
        }
    }

    /// Forgets `sectors` repaired bad sectors from `sector` and tells
    /// pollers of the `badblocks` file (`pmem_clear_bb()`).
    pub fn clear_bad(&self, sector: u64, sectors: u32) {
        if sectors > 0 {
            self.badblocks.clear(sector, sectors);
            self.badblocks.notify();
        }
    }

    /// Device page `pgoff` and where it lives.
    #[inline]
    pub fn page(&self, pgoff: u64) -> Result<DeviceRun> {
        let offset = pgoff.checked_mul(PAGE_SIZE).ok_or(ERANGE)?;
        Ok(DeviceRun {
            offset,
            media: self.locate(offset, PAGE_SIZE)?,
        })
    }

    /// Device page `pgoff` and the whole run from there to the end of its
    /// unit's data (contiguous on the media).
    #[inline]
    pub fn run_at(&self, pgoff: u64) -> Result<DeviceRun> {
        let offset = pgoff.checked_mul(PAGE_SIZE).ok_or(ERANGE)?;
        let rest = self.layout.data_size.checked_sub(offset).ok_or(ERANGE)?;
        Ok(DeviceRun {
            offset,
            media: self.locate(offset, rest)?,
        })
    }
}
