// SPDX-License-Identifier: GPL-2.0

//! dpmem: a persistent-memory driver that keeps the `struct page`
//! descriptors of a namespace on the namespace itself.
//!
//! This file is the crate root: the module, and the nd bus driver that binds
//! IO and PMEM namespaces. Unsafe code and C calls live in the abstraction
//! modules (`libnvdimm`); the logic here is safe Rust.

pub mod bindings;
#[cfg(CONFIG_KUNIT)]
pub mod kunit;
pub mod libnvdimm;
pub mod naming;

use kernel::{c_str, prelude::*};
use libnvdimm::{Namespace, NamespaceResource};

module! {
    type: DpmemModule,
    name: "dpmem",
    author: "dpmem developers",
    description: "Persistent memory with on-device struct page descriptors, initialised lazily",
    license: "GPL",
}

/// State of one bound namespace; dropped on unbind.
struct Binding {
    resource: NamespaceResource,
    disk_name: naming::DiskName,
}

struct DpmemDriver;

impl libnvdimm::Driver for DpmemDriver {
    type Data = Binding;
    const NAME: &'static CStr = c_str!("dpmem");

    fn probe(ns: &Namespace) -> Result<Pin<KBox<Binding>>> {
        ns.common_probe()?;
        let name = ns.name().to_str().map_err(|_| EINVAL)?;
        let Some(disk_name) = naming::disk_name_for(name) else {
            ns_log!(ns, Err, "unexpected namespace name, not binding\n");
            return Err(ENODEV);
        };
        let resource = ns.resource();
        ns_log!(
            ns,
            Info,
            "bound: resource {:#x}-{:#x}, {} MiB, disk {}\n",
            resource.start,
            resource.start + resource.size.saturating_sub(1),
            resource.size >> 20,
            disk_name.as_str()
        );
        Ok(KBox::pin(
            Binding {
                resource,
                disk_name,
            },
            GFP_KERNEL,
        )?)
    }

    fn remove(ns: &Namespace, data: Pin<KBox<Binding>>) {
        ns_log!(
            ns,
            Info,
            "released {} ({} MiB)\n",
            data.disk_name.as_str(),
            data.resource.size >> 20
        );
    }
}

struct DpmemModule {
    _driver: libnvdimm::Registration<DpmemDriver>,
}

impl kernel::Module for DpmemModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let driver = libnvdimm::Registration::new(module)?;
        pr_info!("registered nd bus driver\n");
        Ok(DpmemModule { _driver: driver })
    }
}
