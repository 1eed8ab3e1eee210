// SPDX-License-Identifier: GPL-2.0

//! Where a block device byte is on the media (pure logic, no kernel
//! dependencies: also built and tested on the host): the I/O and DAX paths
//! ask this for every bio and fault, so the head case is kept inline.

use super::layout::{Layout, Placement, CHUNK_SIZE, SECTION_SIZE};

/// A run of data that is contiguous on the media.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    /// Namespace offset of the byte asked for.
    pub offset: u64,
    /// Contiguous bytes from there to the end of its run.
    pub len: u64,
    /// The lazily initialised unit (section, group of sections or ram
    /// unit of data; 0 for head and none) it belongs to.
    pub unit: u64,
}

impl Layout {
    /// The offset from the namespace start of device byte 0 if the whole
    /// device is one run on the media (head, ram, none placement): byte `x`
    /// is then at this plus `x`.
    #[inline]
    pub fn linear_map_offset(&self) -> Option<u64> {
        self.placement.is_linear().then_some(self.data_offset)
    }

    /// Where block device byte `logical` lives, and how far its run goes;
    /// `None` past the end of the device. A run is contiguous on the media
    /// and within one unit, so that DAX maps no pfn of a unit it has not
    /// initialised: ram placement's runs end at the unit's end.
    #[inline]
    pub fn locate(&self, logical: u64) -> Option<Extent> {
        if logical >= self.data_size {
            return None;
        }
        match self.placement {
            Placement::Head | Placement::BlockOnly => Some(Extent {
                offset: self.data_offset + logical,
                len: self.data_size - logical,
                unit: 0,
            }),
            Placement::Ram => {
                // One division per DAX access; checked: no panic path
                // (ram_unit >= 2 MiB by invariant).
                let unit = logical.checked_div(self.ram_unit)?;
                // unit * ram_unit <= logical: no overflow, even where the
                // unit's end would pass 2^64.
                let within = logical - unit * self.ram_unit;
                Some(Extent {
                    offset: self.data_offset + logical,
                    len: (self.ram_unit - within).min(self.data_size - logical),
                    unit,
                })
            }
            Placement::Sectioned | Placement::Grouped => self.locate_sectioned(logical),
        }
    }

    /// Where the `len` device bytes from `logical` start on the media: the
    /// run of [`Layout::locate`], cut to `len`. `None` unless all `len`
    /// bytes are on the device.
    #[inline(always)]
    pub fn locate_range(&self, logical: u64, len: u64) -> Option<Extent> {
        if logical.checked_add(len)? > self.data_size {
            return None;
        }
        let e = self.locate(logical)?;
        Some(Extent {
            len: e.len.min(len),
            ..e
        })
    }

    /// [`Layout::locate`] for sectioned and grouped placement (`logical` on
    /// the device); out of line so the head case inlines into the I/O path.
    #[inline(never)]
    fn locate_sectioned(&self, logical: u64) -> Option<Extent> {
        // Count as if unit 0 had no info block: every unit then starts at
        // a multiple of a whole unit's data.
        let info = self.data_offset - self.sections_offset - self.sections_in(0) * CHUNK_SIZE;
        let virt = logical + info;
        let per_unit = self.unit_data_len();
        // checked: no panic path (a unit has data by invariant).
        let unit = virt.checked_div(per_unit)?;
        let within = virt.checked_rem(per_unit)?;
        // unit < units() since logical < data_size.
        let sections = self.sections_in(unit);
        let start = self.sections_offset + unit * self.unit_sections * SECTION_SIZE;
        Some(Extent {
            offset: start + sections * CHUNK_SIZE + within,
            len: sections * (SECTION_SIZE - CHUNK_SIZE) - within,
            unit,
        })
    }
}
