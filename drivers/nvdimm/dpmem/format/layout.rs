// SPDX-License-Identifier: GPL-2.0

//! On-media layout math (pure logic, no kernel dependencies: also built and
//! tested on the host).
//!
//! Head placement, offsets relative to the namespace start:
//!
//! ```text
//! 0       4K          8K                 2M                      data_offset         end
//! | untouched | info block | (altmap pad) | descriptor chunks ... | data ...           |
//! ```
//!
//! The descriptor area is what the DAX code hands the kernel as the
//! `vmem_altmap` of a pagemap covering the whole namespace: `reserve` is the
//! first 8 KiB, `free` the rest up to `data_offset`. x86 takes one 2 MiB
//! block per fully covered 128 MiB section from it, aligned to 2 MiB physical,
//! so the first block lands at 2 MiB. The area is sized like nd_pfn's
//! (`npfns = (size - 8K) / 4K`, `data_offset = ALIGN(8K + 64 * npfns, 2M)`),
//! which covers every page of the namespace and so any placement of it on a
//! 2 MiB boundary. The cost is 1.5625 % plus at most one 2 MiB unit.
//!
//! Sectioned placement: every whole 128 MiB section of physical address
//! space inside the namespace starts with its own 2 MiB descriptor chunk,
//! followed by 126 MiB of data. A section can then get its struct pages on
//! its own (one pagemap per section, altmap = the section's first 2 MiB),
//! lazily, which is what a stock kernel allows. The section holding the
//! info block (when the namespace starts on a section boundary) keeps its
//! first 2 MiB for it, its chunk follows, then 124 MiB of data. Partial
//! sections at either end of the namespace are left unused: they could only
//! get struct pages from RAM. The block device is the concatenation of the
//! sections' data, so 2 MiB-aligned logical offsets stay 2 MiB aligned
//! physically (huge-page faults keep working).
//!
//! ```text
//! section 0 (info)  | info 2M | chunk 0 | data 124M |
//! section k         | chunk k | data 126M           |
//! ```
//!
//! Grouped placement is sectioned placement with a unit of several whole
//! sections (`unit_sections`, [`GROUP_SECTIONS`] unless recorded otherwise):
//! each unit starts with the chunks of all its sections, then its data, one
//! pagemap per unit. Fewer, larger units: a first fault builds more struct
//! pages, while unbind and the per-pagemap RAM scale with the unit count.
//! The last unit may have fewer sections. Sectioned placement is the same
//! math with one section per unit.
//!
//! ```text
//! unit 0 (info)  | info 2M | chunks 0..n | data n * 126M - 2M |
//! unit k         | chunks kn..kn+n       | data n * 126M      |
//! ```
//!
//! Ram and none placement keep no descriptors on the device: the data
//! starts at the first 2 MiB boundary after the info block and runs to the
//! last whole 2 MiB, one run like head's. With `ram` the kernel builds
//! struct pages in RAM for each unit of data that DAX maps (`ram_unit`:
//! [`RAM_UNIT`] unless recorded otherwise, up to [`MAX_RAM_UNIT`]; one
//! page map each, the last unit possibly shorter); with `none` there are
//! none and no DAX. Both give the same data area whatever the unit, so one
//! can be reformatted as the other without moving data.
//!
//! ```text
//! 0       4K          8K        2M                             end
//! | untouched | info block | -- | data (2 MiB units) ...         |
//! ```

pub use super::locate::Extent;
pub use super::placement::{auto_placement, Placement};
pub use super::units::UnitMap;

/// Page size the format describes.
pub const PAGE_SIZE: u64 = 4096;
/// Size of one descriptor (`struct page`).
pub const DESC_SIZE: u64 = 64;
/// Descriptors are initialised in chunks of this many bytes (32768 pages).
pub const CHUNK_SIZE: u64 = 2 << 20;
/// Memory section size on x86-64: one chunk describes one section.
pub const SECTION_SIZE: u64 = 128 << 20;
/// Alignment of the namespace start and of the data area.
pub const ALIGN: u64 = 2 << 20;
/// The info block's offset; the 4 KiB before it are left untouched.
pub const INFO_OFFSET: u64 = 4096;
/// The info block's size.
pub const INFO_SIZE: u64 = 4096;
/// Bytes at the head of the namespace that hold no descriptors (the altmap
/// `reserve`).
pub const INFO_RESERVE: u64 = INFO_OFFSET + INFO_SIZE;
/// Descriptor chunks start here (the first 2 MiB-aligned altmap block).
pub const DESC_OFFSET: u64 = ALIGN;
/// Sections per unit of a grouped layout made today (2 GiB).
pub const GROUP_SECTIONS: u64 = 16;
/// Most sections per unit a grouped layout may record (8 GiB).
pub const MAX_GROUP_SECTIONS: u64 = 64;
/// Data per lazily created page map of ram placement, unless formatted
/// otherwise: the sub-section, the smallest range x86-64 can add struct
/// pages for.
pub const RAM_UNIT: u64 = ALIGN;
/// Largest ram unit (a section's worth of data; a multiple of `ALIGN`).
pub const MAX_RAM_UNIT: u64 = SECTION_SIZE;

/// Why a namespace cannot hold a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The namespace start is not 2 MiB aligned (physical address given).
    MisalignedStart(u64),
    /// Too small for the reservation plus one 2 MiB data unit (size given).
    TooSmall(u64),
    /// Sectioned placement needs one whole 128 MiB-aligned section (the
    /// namespace start and size are given).
    NoWholeSection(u64, u64),
    /// Sections per unit outside 1..=[`MAX_GROUP_SECTIONS`] (value given).
    BadUnitSections(u64),
    /// A ram unit that is not a multiple of 2 MiB from [`RAM_UNIT`] to
    /// [`MAX_RAM_UNIT`] (bytes given).
    BadRamUnit(u64),
}

/// A computed layout, all offsets relative to the namespace start.
///
/// # Invariants
///
/// `DESC_OFFSET <= data_offset`, `data_offset` and `data_size` are multiples
/// of `ALIGN`, `data_size >= ALIGN`, and
/// `data_offset + data_size <= namespace_size` (head, ram, none), or
/// `sections >= 1` whole sections from `sections_offset` lie inside the
/// namespace, `1 <= unit_sections <= MAX_GROUP_SECTIONS` (1 for sectioned)
/// and the data is theirs minus their chunks (sectioned, grouped).
/// `ram_unit` is a multiple of `ALIGN` in `RAM_UNIT..=MAX_RAM_UNIT` (ram),
/// else 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Placement of the descriptors.
    pub placement: Placement,
    /// Namespace size the layout was computed for.
    pub namespace_size: u64,
    /// First byte of the data area (the block device's sector 0).
    pub data_offset: u64,
    /// Size of the data area (the block device's capacity).
    pub data_size: u64,
    /// Pages with descriptors: described by the reservation (nd_pfn's
    /// `npfns`), each section's pages (sectioned, grouped), the data's
    /// pages (ram) or none.
    pub npfns: u64,
    /// Sectioned: namespace offset of the first whole section (0 for head).
    pub sections_offset: u64,
    /// Sectioned: number of whole sections, each with its chunk (0 for head).
    pub sections: u64,
    /// Sections per unit: 1 (sectioned), several (grouped), 0 (head).
    pub unit_sections: u64,
    /// Ram: data bytes per unit (page map), else 0.
    pub ram_unit: u64,
}

const fn align_up(v: u64, a: u64) -> Option<u64> {
    match v.checked_add(a - 1) {
        Some(x) => Some(x / a * a),
        None => None,
    }
}

impl Layout {
    /// Computes the layout for a namespace at physical `start` of `size`
    /// bytes.
    pub fn compute(placement: Placement, start: u64, size: u64) -> Result<Self, LayoutError> {
        if start % ALIGN != 0 {
            return Err(LayoutError::MisalignedStart(start));
        }
        match placement {
            Placement::Sectioned => return Self::compute_sectioned(placement, start, size, 1),
            Placement::Grouped => {
                return Self::compute_sectioned(placement, start, size, GROUP_SECTIONS)
            }
            Placement::Ram => return Self::compute_ram(start, size, RAM_UNIT),
            Placement::BlockOnly => return Self::compute_linear(placement, size, RAM_UNIT),
            Placement::Head => (),
        }
        // A tail that is not a whole 2 MiB unit is left unused.
        let usable = size / ALIGN * ALIGN;
        if usable < INFO_RESERVE {
            return Err(LayoutError::TooSmall(size));
        }
        let npfns = (usable - INFO_RESERVE) / PAGE_SIZE;
        // npfns * 64 <= size / 64: cannot overflow.
        let data_offset =
            align_up(INFO_RESERVE + npfns * DESC_SIZE, ALIGN).ok_or(LayoutError::TooSmall(size))?;
        if data_offset >= usable {
            return Err(LayoutError::TooSmall(size));
        }
        // INVARIANT: data_offset >= ALIGN = DESC_OFFSET since INFO_RESERVE > 0;
        // both are ALIGN multiples, and data_size >= ALIGN because
        // data_offset < usable.
        Ok(Layout {
            placement,
            namespace_size: size,
            data_offset,
            data_size: usable - data_offset,
            npfns,
            sections_offset: 0,
            sections: 0,
            unit_sections: 0,
            ram_unit: 0,
        })
    }

    /// A ram layout whose page maps cover `ram_unit` bytes of data each
    /// (as formatted, or recorded in an info block).
    pub fn compute_ram(start: u64, size: u64, ram_unit: u64) -> Result<Self, LayoutError> {
        if start % ALIGN != 0 {
            return Err(LayoutError::MisalignedStart(start));
        }
        Self::compute_linear(Placement::Ram, size, ram_unit)
    }

    /// Ram and none placement: the data from the first 2 MiB boundary after
    /// the info block to the last whole 2 MiB.
    fn compute_linear(placement: Placement, size: u64, ram_unit: u64) -> Result<Self, LayoutError> {
        if ram_unit % ALIGN != 0 || !(RAM_UNIT..=MAX_RAM_UNIT).contains(&ram_unit) {
            return Err(LayoutError::BadRamUnit(ram_unit));
        }
        let usable = size / ALIGN * ALIGN;
        if usable <= ALIGN {
            return Err(LayoutError::TooSmall(size));
        }
        let data_size = usable - ALIGN;
        // INVARIANT: data_offset = ALIGN = DESC_OFFSET; data_size is a
        // positive multiple of ALIGN, and both end within the namespace;
        // ram_unit was checked above.
        Ok(Layout {
            placement,
            namespace_size: size,
            data_offset: ALIGN,
            data_size,
            npfns: match placement {
                Placement::Ram => data_size / PAGE_SIZE,
                _ => 0,
            },
            sections_offset: 0,
            sections: 0,
            unit_sections: 0,
            ram_unit: match placement {
                Placement::Ram => ram_unit,
                _ => 0,
            },
        })
    }

    /// A grouped layout with `unit_sections` sections per unit (as recorded
    /// in an info block).
    pub fn compute_grouped(start: u64, size: u64, unit_sections: u64) -> Result<Self, LayoutError> {
        if start % ALIGN != 0 {
            return Err(LayoutError::MisalignedStart(start));
        }
        Self::compute_sectioned(Placement::Grouped, start, size, unit_sections)
    }

    fn compute_sectioned(
        placement: Placement,
        start: u64,
        size: u64,
        unit_sections: u64,
    ) -> Result<Self, LayoutError> {
        if !(1..=MAX_GROUP_SECTIONS).contains(&unit_sections) {
            return Err(LayoutError::BadUnitSections(unit_sections));
        }
        let none = LayoutError::NoWholeSection(start, size);
        let end = start.checked_add(size).ok_or(none)?;
        let first = align_up(start, SECTION_SIZE).ok_or(none)?;
        let last = end / SECTION_SIZE * SECTION_SIZE;
        if last <= first {
            return Err(none);
        }
        let sections = (last - first) / SECTION_SIZE;
        let sections_offset = first - start;
        // The info block needs the first 2 MiB when the namespace starts
        // on a section boundary (start is 2 MiB aligned, so either the
        // first section starts at the namespace or 2 MiB or more after).
        let info = Self::info_skip(sections_offset);
        let data_offset = sections_offset + info + unit_sections.min(sections) * CHUNK_SIZE;
        let data_size = sections * (SECTION_SIZE - CHUNK_SIZE) - info;
        // INVARIANT: one whole section; its data is at least 124 MiB.
        Ok(Layout {
            placement,
            namespace_size: size,
            data_offset,
            data_size,
            npfns: sections * (SECTION_SIZE / PAGE_SIZE),
            sections_offset,
            sections,
            unit_sections,
            ram_unit: 0,
        })
    }

    /// Bytes the info block takes at the start of the first section: 2 MiB
    /// when the namespace starts on a section boundary.
    pub(super) const fn info_skip(sections_offset: u64) -> u64 {
        if sections_offset == 0 {
            ALIGN
        } else {
            0
        }
    }

    /// Data bytes of one whole unit (sectioned, grouped).
    pub(crate) fn unit_data_len(&self) -> u64 {
        self.unit_sections * (SECTION_SIZE - CHUNK_SIZE)
    }

    /// Sections in unit `unit` (the last may have fewer).
    pub(crate) fn sections_in(&self, unit: u64) -> u64 {
        self.sections
            .saturating_sub(unit * self.unit_sections)
            .min(self.unit_sections)
    }

    /// Offset of the first descriptor chunk (0 when there is none on the
    /// device).
    pub fn desc_offset(&self) -> u64 {
        match self.placement {
            Placement::Head => DESC_OFFSET,
            Placement::Sectioned | Placement::Grouped => {
                self.sections_offset + Self::info_skip(self.sections_offset)
            }
            Placement::Ram | Placement::BlockOnly => 0,
        }
    }

    /// Bytes of descriptor chunks: between the first chunk and the data
    /// area (head), one chunk per section (sectioned, grouped), or none.
    pub fn desc_size(&self) -> u64 {
        match self.placement {
            Placement::Head => self.data_offset - DESC_OFFSET,
            Placement::Sectioned | Placement::Grouped => self.sections * CHUNK_SIZE,
            Placement::Ram | Placement::BlockOnly => 0,
        }
    }

    /// Units initialised one at a time: one per section (sectioned), per
    /// group of sections (grouped), per `ram_unit` of data (ram), one for the
    /// whole namespace (head, where a stock kernel can only add the pagemap
    /// as a whole), or none (none placement has no struct pages).
    pub fn units(&self) -> u64 {
        match self.placement {
            Placement::Head => 1,
            // checked: no panic path (unit_sections >= 1 by invariant).
            Placement::Sectioned | Placement::Grouped => (self.sections + self.unit_sections - 1)
                .checked_div(self.unit_sections)
                .unwrap_or(0),
            Placement::Ram => self.data_size.div_ceil(self.ram_unit.max(1)),
            Placement::BlockOnly => 0,
        }
    }

    /// Bytes from the start of the namespace to the end of the last data
    /// byte: what a linear mapping of the data from the namespace start
    /// must cover (info block and chunks included).
    pub fn mapped_len(&self) -> u64 {
        if self.placement.is_linear() {
            self.data_offset + self.data_size
        } else {
            self.sections_offset + self.sections * SECTION_SIZE
        }
    }

    /// Number of 2 MiB descriptor chunks in the reservation.
    pub fn chunks(&self) -> u64 {
        self.desc_size() / CHUNK_SIZE
    }

    /// Bytes not available as data (reservation, info block, unused tail).
    pub fn overhead(&self) -> u64 {
        self.namespace_size - self.data_size
    }

    /// Overhead in parts per million of the namespace size.
    pub fn overhead_ppm(&self) -> u64 {
        // No u128: the kernel has no 128-bit division. When the product
        // would overflow, the size is above 2^44 and dividing it first
        // loses less than one part in 10^7.
        // checked_div: no panic path (the size is never 0 by invariant).
        let o = self.overhead();
        match o.checked_mul(1_000_000) {
            Some(p) => p.checked_div(self.namespace_size),
            None => o.checked_div(self.namespace_size / 1_000_000),
        }
        .unwrap_or(0)
    }

    /// The `vmem_altmap` for a pagemap over the whole namespace:
    /// (`reserve`, `free`) in pages.
    pub fn altmap_pages(&self) -> (u64, u64) {
        (
            INFO_RESERVE / PAGE_SIZE,
            (self.data_offset - INFO_RESERVE) / PAGE_SIZE,
        )
    }
}
