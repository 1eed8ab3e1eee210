// SPDX-License-Identifier: GPL-2.0

//! Block layer abstractions for a bio-based disk, one kernel concept per
//! file, after upstream's `rust/kernel/block/`: the disk and its
//! operations ([`gen_disk`]), the bios it is sent ([`bio`]), their data
//! segments ([`bvec`]), completion status ([`status`]) and the bad-sector
//! list ([`badblocks`]).

pub mod badblocks;
pub mod bio;
pub mod bvec;
pub mod gen_disk;
pub mod status;

pub use badblocks::Badblocks;
pub use bio::{Accounting, Bio, Op};
pub use bvec::{Segment, Segments};
pub use gen_disk::{DiskVTable, Features, GenDisk, GenDiskBuilder, Operations};
pub use status::Status;

use crate::abstractions::bindings;

/// log2 of the bytes per sector, as the block layer counts them.
pub const SECTOR_SHIFT: u32 = bindings::DPMEM_SECTOR_SHIFT;
/// Bytes per sector.
pub const SECTOR_SIZE: u64 = 1 << SECTOR_SHIFT;
