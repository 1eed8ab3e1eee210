// SPDX-License-Identifier: GPL-2.0

//! Kernel abstractions: every C call and every `unsafe` block of the
//! driver is in this folder, behind small safe APIs, one kernel concept per
//! file and named like its C counterpart (or its upstream Rust one, where
//! newer kernels have it). The driver on top uses only these and the
//! `kernel` crate.
//!
//! - [`nvdimm`]: the nd bus driver, the namespace, its region;
//! - [`block`]: the bio-based disk, bios and their segments, bad blocks;
//! - [`dax`]: the DAX host and its operations, memory-failure routing
//!   (its disk's `dax/write_cache` attribute in `dax_attrs`);
//! - [`memremap`]: ZONE_DEVICE page maps with struct pages on the device;
//! - [`resource`]: claims on physical address space;
//! - [`pmem`]: the mapping of pmem and its copy routines;
//! - [`workqueue`], [`sched_mm`], [`signal`], [`delay`]: owned workqueues,
//!   allocation scopes, fatal signals, sleeping;
//! - [`sysfs`], [`params`], [`uuid`]: attributes, module parameters, uuids;
//! - [`errno`]: error codes the kernel crate does not name;
//! - [`bindings`]: what bindgen makes of `include/dpmem.h`.

pub mod bindings;
pub mod block;
pub mod dax;
mod dax_attrs;
pub mod delay;
pub mod errno;
pub mod memremap;
pub mod nvdimm;
pub mod params;
pub mod pmem;
pub mod resource;
pub mod sched_mm;
pub mod signal;
pub mod sysfs;
pub mod uuid;
pub mod workqueue;
