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

/// Where the descriptors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// All chunks after the info block, data after them.
    Head,
    /// Each 128 MiB section starts with its own chunk (lazy-init issue).
    Sectioned,
}

impl Placement {
    /// On-media value.
    pub fn to_raw(self) -> u32 {
        match self {
            Placement::Head => 0,
            Placement::Sectioned => 1,
        }
    }

    /// From the on-media value.
    pub fn from_raw(v: u32) -> Option<Self> {
        match v {
            0 => Some(Placement::Head),
            1 => Some(Placement::Sectioned),
            _ => None,
        }
    }

    /// Name as used in sysfs and the format command.
    pub fn name(self) -> &'static str {
        match self {
            Placement::Head => "head",
            Placement::Sectioned => "sectioned",
        }
    }
}

/// Why a namespace cannot hold a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The namespace start is not 2 MiB aligned (physical address given).
    MisalignedStart(u64),
    /// Too small for the reservation plus one 2 MiB data unit (size given).
    TooSmall(u64),
    /// The placement is not implemented yet.
    UnsupportedPlacement(Placement),
}

/// A computed layout, all offsets relative to the namespace start.
///
/// # Invariants
///
/// `DESC_OFFSET <= data_offset`, `data_offset` and `data_size` are multiples
/// of `ALIGN`, `data_size >= ALIGN`, and
/// `data_offset + data_size <= namespace_size`.
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
    /// Pages described by the reservation (nd_pfn's `npfns`).
    pub npfns: u64,
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
        if placement != Placement::Head {
            return Err(LayoutError::UnsupportedPlacement(placement));
        }
        if start % ALIGN != 0 {
            return Err(LayoutError::MisalignedStart(start));
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
        })
    }

    /// Offset of the first descriptor chunk.
    pub fn desc_offset(&self) -> u64 {
        DESC_OFFSET
    }

    /// Bytes between the first chunk and the data area.
    pub fn desc_size(&self) -> u64 {
        self.data_offset - DESC_OFFSET
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
