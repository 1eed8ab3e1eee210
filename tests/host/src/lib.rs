// SPDX-License-Identifier: GPL-2.0

//! Host build of dpmem's pure logic. The modules are the very files the
//! kernel module compiles (no copies), so `cargo test` checks the driver's
//! own code.

#[path = "../../../drivers/nvdimm/dpmem/command.rs"]
pub mod command;
#[path = "../../../drivers/nvdimm/dpmem/infoblock.rs"]
pub mod infoblock;
#[path = "../../../drivers/nvdimm/dpmem/layout.rs"]
pub mod layout;
#[path = "../../../drivers/nvdimm/dpmem/naming.rs"]
pub mod naming;
