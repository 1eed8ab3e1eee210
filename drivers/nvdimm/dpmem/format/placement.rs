// SPDX-License-Identifier: GPL-2.0

//! Where a namespace's struct pages come from (pure logic, no kernel
//! dependencies: also built and tested on the host), chosen per namespace
//! at format time and recorded in its info block.

use super::layout::Layout;

/// Where the descriptors (struct pages) live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On the device: all chunks after the info block, data after them.
    Head,
    /// On the device: each 128 MiB section starts with its own chunk.
    Sectioned,
    /// On the device: each unit of several sections starts with its
    /// sections' chunks.
    Grouped,
    /// In RAM, created per unit of data that DAX maps (2 MiB unless
    /// formatted with a larger one); nothing on the device.
    Ram,
    /// Nowhere (`none`): a block device without DAX.
    BlockOnly,
}

impl Placement {
    /// Every placement, in on-media order.
    pub const ALL: [Placement; 5] = [
        Placement::Head,
        Placement::Sectioned,
        Placement::Grouped,
        Placement::Ram,
        Placement::BlockOnly,
    ];

    /// On-media value.
    pub fn to_raw(self) -> u32 {
        match self {
            Placement::Head => 0,
            Placement::Sectioned => 1,
            Placement::Grouped => 2,
            Placement::Ram => 3,
            Placement::BlockOnly => 4,
        }
    }

    /// From the on-media value.
    pub fn from_raw(v: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.to_raw() == v)
    }

    /// Name as used in sysfs and the format command.
    pub fn name(self) -> &'static str {
        match self {
            Placement::Head => "head",
            Placement::Sectioned => "sectioned",
            Placement::Grouped => "grouped",
            Placement::Ram => "ram",
            Placement::BlockOnly => "none",
        }
    }

    /// The placement called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether the struct pages live on the device (in descriptor chunks
    /// the kernel uses as a `vmem_altmap`).
    pub fn on_device(self) -> bool {
        matches!(
            self,
            Placement::Head | Placement::Sectioned | Placement::Grouped
        )
    }

    /// Whether the data is one run on the media right after the head of
    /// the namespace (no descriptor chunk inside it).
    pub fn is_linear(self) -> bool {
        !matches!(self, Placement::Sectioned | Placement::Grouped)
    }

    /// Whether the disk offers DAX (which needs struct pages).
    pub fn has_dax(self) -> bool {
        self != Placement::BlockOnly
    }
}

/// The placement for a namespace at physical `start` of `size` bytes when
/// the admin names none and leaves the choice to the driver
/// (`default_placement=auto`): grouped, which keeps the first DAX fault
/// short at any size and the page maps few, unless the namespace holds no
/// whole section or its partial sections would cost more than 1 % of what
/// head placement gives; then head. `ram` and `none` are only used when
/// named: they trade RAM or DAX, which only the admin can weigh.
pub fn auto_placement(start: u64, size: u64) -> Placement {
    let head = Layout::compute(Placement::Head, start, size);
    match (Layout::compute(Placement::Grouped, start, size), head) {
        (Ok(g), Ok(h)) if g.data_size >= h.data_size - h.data_size / 100 => Placement::Grouped,
        _ => Placement::Head,
    }
}
