// SPDX-License-Identifier: GPL-2.0

//! Known media poison in block device terms.
//!
//! libnvdimm reports poison as 512-byte sectors from the namespace start.
//! Only what lies in the data area is a bad sector of the block device
//! (reads there fail, DAX refuses the pages); poison in the info block, a
//! descriptor chunk or unused space has no device sector and is only
//! counted, so the driver can say so.

use super::layout::Layout;

/// Bytes per sector, as the block layer and libnvdimm count them.
pub const SECTOR_SIZE: u64 = 512;

/// A run of bad sectors: of the block device, or of the namespace where
/// libnvdimm reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadSectors {
    /// First bad sector.
    pub sector: u64,
    /// Number of bad sectors.
    pub sectors: u32,
}

/// What [`Layout::poison_to_device`] found of one poisoned range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoisonSplit {
    /// Whether part of the range lies outside the data area.
    pub outside_data: bool,
}

impl Layout {
    /// Calls `f` for each part of the poisoned namespace sectors
    /// `[sector, sector + sectors)` that lies in the data area, as device
    /// sectors (one call per unit the range touches, in device order).
    pub fn poison_to_device(
        &self,
        sector: u64,
        sectors: u32,
        mut f: impl FnMut(BadSectors),
    ) -> PoisonSplit {
        let a = sector.saturating_mul(SECTOR_SIZE);
        let b = a.saturating_add(u64::from(sectors) * SECTOR_SIZE);
        if let Some(base) = self.linear_map_offset() {
            // One run: no need to walk ram placement's many units.
            let (lo, hi) = (a.max(base), b.min(base + self.data_size));
            if lo < hi {
                f(BadSectors {
                    sector: (lo - base) / SECTOR_SIZE,
                    sectors: ((hi - lo) / SECTOR_SIZE) as u32,
                });
            }
            return PoisonSplit {
                outside_data: hi.saturating_sub(lo) < b - a,
            };
        }
        let mut inside = 0;
        for unit in 0..self.units() {
            let Some(m) = self.unit_map(unit) else { break };
            let (lo, hi) = (a.max(m.data_start), b.min(m.start + m.len));
            if lo < hi {
                let logical = m.logical_start + (lo - m.data_start);
                // At most `sectors` sectors: fits a u32.
                f(BadSectors {
                    sector: logical / SECTOR_SIZE,
                    sectors: ((hi - lo) / SECTOR_SIZE) as u32,
                });
                inside += hi - lo;
            }
        }
        PoisonSplit {
            outside_data: inside < b - a,
        }
    }
}
