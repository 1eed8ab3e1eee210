// SPDX-License-Identifier: GPL-2.0

//! Host build of dpmem's pure logic. The modules are the very files the
//! kernel module compiles (no copies), so `cargo test` checks the driver's
//! own code.

#[path = "../../../drivers/nvdimm/dpmem/format/mod.rs"]
pub mod format;

pub use format::{
    command, foreign, infoblock, layout, locate, naming, placement, poison, rangelist, units, uuid,
};
