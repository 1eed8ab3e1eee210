// SPDX-License-Identifier: GPL-2.0

//! The units of lazy initialisation of a [`Layout`] (pure logic, no kernel
//! dependencies: also built and tested on the host): which page map gives
//! a unit its struct pages, and which unit covers a namespace offset.

use super::layout::{Layout, Placement, CHUNK_SIZE, PAGE_SIZE, SECTION_SIZE};

/// The page map that gives one unit its struct pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitMap {
    /// Namespace offset of the pagemap range (its altmap starts there).
    pub start: u64,
    /// Length of the range.
    pub len: u64,
    /// Altmap pages never used, at the start of the range.
    pub reserve_pages: u64,
    /// Altmap pages after those that may hold struct pages (0: no altmap,
    /// the struct pages come from RAM).
    pub free_pages: u64,
    /// Namespace offset of the unit's first data byte.
    pub data_start: u64,
    /// Block device offset of that byte.
    pub logical_start: u64,
}

impl UnitMap {
    /// Namespace offset and length of the descriptors: the altmap pages
    /// that may hold struct pages (the unit's chunk, or for head placement
    /// the whole reservation after the info block).
    pub fn descriptors(&self) -> (u64, u64) {
        (
            self.start + self.reserve_pages * PAGE_SIZE,
            self.free_pages * PAGE_SIZE,
        )
    }

    /// Bytes of data in the unit (from `data_start` to the range's end).
    pub fn data_len(&self) -> u64 {
        (self.start + self.len).saturating_sub(self.data_start)
    }
}

impl Layout {
    /// The pagemap of unit `unit` (see [`Layout::units`]).
    pub fn unit_map(&self, unit: u64) -> Option<UnitMap> {
        if unit >= self.units() {
            return None;
        }
        if self.placement == Placement::Ram {
            // unit < units(), so the unit starts inside the data.
            let logical_start = unit * self.ram_unit;
            let start = self.data_offset + logical_start;
            return Some(UnitMap {
                start,
                len: self.ram_unit.min(self.data_size - logical_start),
                reserve_pages: 0,
                free_pages: 0,
                data_start: start,
                logical_start,
            });
        }
        if self.placement == Placement::Head {
            let (reserve_pages, free_pages) = self.altmap_pages();
            return Some(UnitMap {
                start: 0,
                len: self.data_offset + self.data_size,
                reserve_pages,
                free_pages,
                data_start: self.data_offset,
                logical_start: 0,
            });
        }
        let start = self.sections_offset + unit * self.unit_sections * SECTION_SIZE;
        let sections = self.sections_in(unit);
        // Unit 0 holds the info block (if any), so every later unit starts
        // that much before a multiple of a whole unit's data.
        let info0 = Self::info_skip(self.sections_offset);
        let logical_start = (unit * self.unit_data_len()).saturating_sub(info0);
        let info = if unit == 0 { info0 } else { 0 };
        Some(UnitMap {
            start,
            len: sections * SECTION_SIZE,
            reserve_pages: info / PAGE_SIZE,
            free_pages: sections * CHUNK_SIZE / PAGE_SIZE,
            data_start: start + info + sections * CHUNK_SIZE,
            logical_start,
        })
    }

    /// The unit whose page map covers namespace offset `offset`, if any.
    pub fn unit_at(&self, offset: u64) -> Option<u64> {
        if offset >= self.mapped_len() {
            return None;
        }
        match self.placement {
            Placement::Head => Some(0),
            Placement::Sectioned | Placement::Grouped => offset
                .checked_sub(self.sections_offset)?
                .checked_div(self.unit_sections * SECTION_SIZE),
            Placement::Ram => offset
                .checked_sub(self.data_offset)?
                .checked_div(self.ram_unit),
            Placement::BlockOnly => None,
        }
    }
}
