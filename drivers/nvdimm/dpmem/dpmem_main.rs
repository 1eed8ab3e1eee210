// SPDX-License-Identifier: GPL-2.0

//! dpmem: a persistent-memory driver that keeps the `struct page`
//! descriptors of a namespace on the namespace itself.
//!
//! The crate root: the module and its three layers.
//!
//! - [`format`]: pure logic (on-media layout and info block, the format
//!   request, names), no kernel dependencies, host-tested and fuzzed;
//! - [`abstractions`]: safe wrappers of the kernel objects the driver uses;
//!   all `unsafe` code and C calls are there;
//! - the driver, in safe Rust: [`driver`] (the nd bus driver: probe,
//!   remove, sysfs), [`attach`] (what a bound namespace is made of, and its
//!   teardown order), [`device`] (the pmem device the disk serves), [`io`]
//!   (the block data path), [`dax_ops`] (DAX), [`format_store`] (the format
//!   file), [`messages`] (what refusals log and return), [`attrs`] (sysfs),
//!   [`lazy`] and [`struct_pages`] (lazy struct-page creation).

pub mod abstractions;
pub mod attach;
pub mod attrs;
pub mod dax_ops;
pub mod device;
pub mod driver;
pub mod format;
pub mod format_store;
pub mod io;
#[cfg(CONFIG_KUNIT)]
pub mod kunit;
pub mod lazy;
pub mod messages;
pub mod struct_pages;

use abstractions::nvdimm::Registration;
use kernel::prelude::*;

module! {
    type: DpmemModule,
    name: "dpmem",
    author: "dpmem developers",
    description: "Persistent memory with on-device struct page descriptors, initialised lazily",
    license: "GPL",
}

struct DpmemModule {
    _driver: Registration<driver::DpmemDriver>,
}

impl kernel::Module for DpmemModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let driver = Registration::new(module)?;
        pr_info!("registered nd bus driver\n");
        driver::hold_formatted_elsewhere(&driver.handle());
        Ok(DpmemModule { _driver: driver })
    }
}
