// SPDX-License-Identifier: GPL-2.0

//! The nd bus driver: which namespaces dpmem binds (those whose info block
//! it validates), what it shows about them, and what unbinding does.

#![forbid(unsafe_code)]

use crate::abstractions::nvdimm::{Driver, DriverHandle, Namespace};
use crate::abstractions::sysfs::SysfsOut;
use crate::attach::{self, Binding};
use crate::attrs::{self, Attr};
use crate::format::infoblock::{self, InfoBlock};
use crate::format::layout::{self, INFO_OFFSET};
use crate::format::naming;
use crate::format::uuid::Uuid;
use crate::{format_store, messages, ns_log};
use kernel::c_str;
use kernel::prelude::*;

/// Reads the namespace's info block. The buffer is on the heap: 4 KiB is
/// too much for the kernel stack.
fn read_info_block(ns: &Namespace) -> Result<KBox<[u8; infoblock::BLOCK_SIZE]>> {
    let mut block = KBox::new([0u8; infoblock::BLOCK_SIZE], GFP_KERNEL)?;
    ns.with_metadata(layout::INFO_RESERVE, |md| {
        md.read(INFO_OFFSET, &mut block[..])
    })
    .inspect_err(|e| {
        ns_log!(
            ns,
            Err,
            "cannot read the info block: error {}\n",
            e.to_errno()
        )
    })?;
    Ok(block)
}

/// dpmem as an nd bus driver for IO and PMEM namespaces.
pub struct DpmemDriver;

impl Driver for DpmemDriver {
    type Data = Binding;
    const NAME: &'static CStr = c_str!("dpmem");

    fn probe(ns: &Namespace) -> Result<Pin<KBox<Binding>>> {
        // Namespace names are `namespaceR.N` (the bus offers a region's btt
        // and pfn devices too, but the bus abstraction keeps those from us),
        // so this only fails on a name we cannot shorten to a disk name.
        let Some(disk_name) = ns.name().to_str().ok().and_then(naming::disk_name_for) else {
            ns_log!(ns, Debug, "no disk name for this namespace, not binding\n");
            return Err(ENODEV);
        };
        ns.common_probe()?;
        let resource = ns.resource();
        let block = read_info_block(ns)?;
        let info = InfoBlock::decode(&block, resource.start, resource.size).map_err(|e| {
            messages::log_decode_error(ns, &e);
            messages::decode_errno(&e)
        })?;
        let binding = attach::attach(ns, resource, disk_name, info)?;
        let l = &binding.info.layout;
        ns_log!(
            ns,
            Info,
            "bound: resource {:#x}-{:#x}, {} MiB, disk {}: data {} MiB at offset {} MiB, {} descriptor chunks ({} placement), overhead {}.{:04} %\n",
            resource.start,
            resource.start + resource.size.saturating_sub(1),
            resource.size >> 20,
            binding.disk_name.as_str(),
            l.data_size >> 20,
            l.data_offset >> 20,
            l.chunks(),
            l.placement.name(),
            l.overhead_ppm() / 10_000,
            l.overhead_ppm() % 10_000
        );
        Ok(binding)
    }

    fn format(drv: &DriverHandle, input: &[u8]) -> Result {
        format_store::format(drv, input)
    }

    const ATTR_GROUP: &'static CStr = c_str!("dpmem");
    type Attr = Attr;

    fn show(b: &Binding, attr: Attr, out: &mut SysfsOut) -> Result {
        attrs::show(b, attr, out);
        Ok(())
    }

    fn remove(ns: &Namespace, data: Pin<KBox<Binding>>) {
        ns_log!(
            ns,
            Info,
            "released {} ({} MiB, uuid {})\n",
            data.disk_name.as_str(),
            data.resource.size >> 20,
            Uuid(&data.info.uuid)
        );
    }
}
