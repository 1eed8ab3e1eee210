// SPDX-License-Identifier: GPL-2.0

//! The nd bus driver: which namespaces dpmem binds (those whose info block
//! it validates), what it shows about them, and what unbinding does.

#![forbid(unsafe_code)]

use crate::abstractions::block::Badblocks;
use crate::abstractions::memremap::STRUCT_PAGE_SIZE;
use crate::abstractions::nvdimm::{Driver, DriverHandle, Event, Holder, Namespace};
use crate::abstractions::pmem;
use crate::abstractions::sysfs::SysfsOut;
use crate::attach::{self, Binding};
use crate::attrs::{self, Attr};
use crate::format::infoblock::{self, DecodeError, Foreign, InfoBlock};
use crate::format::layout::{self, Placement, INFO_OFFSET};
use crate::format::naming;
use crate::format::uuid::Uuid;
use crate::{format_store, messages, ns_log};
use kernel::c_str;
use kernel::prelude::*;

/// Reads the namespace's info block. The buffer is on the heap, zeroed in
/// place: 4 KiB is too much for the kernel stack, and `KBox::new` of an
/// array value builds it on the stack first.
fn read_info_block(ns: &Namespace) -> Result<KBox<[u8; infoblock::BLOCK_SIZE]>> {
    let mut block = KBox::init(
        kernel::init::zeroed::<[u8; infoblock::BLOCK_SIZE]>(),
        GFP_KERNEL,
    )?;
    ns.with_metadata(layout::INFO_RESERVE, |md| {
        md.read(INFO_OFFSET, &mut block[..])
    })
    .inspect_err(|e| {
        if *e == EBUSY {
            // Someone claims the range: typically our previous disk's
            // data, kept while a filesystem is mounted on the disk that
            // unbind deleted.
            ns_log!(
                ns,
                Err,
                "the namespace's range is still in use (e.g. by a filesystem still mounted on its previous disk: unmount it first)\n"
            );
        } else {
            ns_log!(
                ns,
                Err,
                "cannot read the info block: error {}\n",
                e.to_errno()
            );
        }
    })?;
    Ok(block)
}

/// Whether `ns` holds a dpmem info block that is not another namespace's,
/// read without enabling the namespace (another driver may serve it, or
/// none yet): what probe keeps held, valid or not (a damaged or newer
/// block still guards dpmem's data). Only where the media may be read:
/// DIMMs unlocked, inside the namespace and, as nd_pmem would, not over
/// known poison (a machine check is not recoverable on every CPU).
fn formatted_for_dpmem(ns: &Namespace) -> bool {
    let res = ns.resource();
    if res.size < layout::INFO_RESERVE || ns.checks_when_held().is_err() || info_block_poisoned(ns)
    {
        return false;
    }
    let Ok(mut block) = KBox::init(
        kernel::init::zeroed::<[u8; infoblock::BLOCK_SIZE]>(),
        GFP_KERNEL,
    ) else {
        return false;
    };
    if pmem::peek(res.start + INFO_OFFSET, &mut block[..]).is_err() {
        ns_log!(ns, Warning, "cannot read the info block; not held\n");
        return false;
    }
    let mut sig = [0u8; 16];
    sig.copy_from_slice(&block[..16]);
    infoblock::identify_info(&sig) == Foreign::Dpmem
        && !matches!(
            InfoBlock::decode(&block, res.start, res.size)
                .and_then(|info| info.check_namespace_uuid(&ns.parent_uuid())),
            Err(DecodeError::Recreated { .. })
        )
}

/// At load: holds every namespace with a dpmem info block that another
/// driver serves (nd_pmem as a raw disk, when it loaded first, as it may at
/// boot), so that once it is unbound no driver but dpmem is given it, and
/// says how to hand it over. It is not taken from that driver, whose disk
/// may be open or mounted.
pub fn hold_formatted_elsewhere(drv: &DriverHandle) {
    drv.for_each_bound_elsewhere(|ns| {
        // A btt, pfn or dax personality is not raw, and not ours.
        if !matches!(drv.holder_of(ns), Holder::Nobody)
            || !formatted_for_dpmem(ns)
            || drv.hold(ns).is_err()
        {
            return;
        }
        let other = ns.driver_name().unwrap_or(c_str!("another driver"));
        ns_log!(
            ns,
            Warning,
            "holds a dpmem info block but {} serves it as a raw disk, where writes destroy dpmem's data; 'ndctl disable-namespace {}' and 'ndctl enable-namespace' hand it to dpmem\n",
            other,
            ns.name()
        );
    });
}

/// Whether the region knows of poison in the namespace's info block (or
/// cannot say).
fn info_block_poisoned(ns: &Namespace) -> bool {
    let (Ok(region), Ok(bb)) = (ns.region(), Badblocks::new()) else {
        return true;
    };
    region.load_badblocks(&bb, ns.resource().start, layout::INFO_RESERVE);
    bb.count() > 0
}

/// `nvdimm_flush()` of the namespace's region; a failure is logged.
fn flush_region(ns: &Namespace) {
    if let Err(e) = ns.region().and_then(|r| r.flush()) {
        ns_log!(
            ns,
            Err,
            "cannot flush the region: error {}; recent writes may not be durable\n",
            e.to_errno()
        );
    }
}

/// dpmem as an nd bus driver for IO and PMEM namespaces.
pub struct DpmemDriver;

impl Driver for DpmemDriver {
    type Data = Binding;
    const NAME: &'static CStr = c_str!("dpmem");

    fn probe(drv: &DriverHandle, ns: &Namespace) -> Result<Pin<KBox<Binding>>> {
        // Namespace names are `namespaceR.N` (the bus offers a region's btt
        // and pfn devices too, but the bus abstraction keeps those from us),
        // so this only fails on a name we cannot shorten to a disk name.
        let Some(disk_name) = ns.name().to_str().ok().and_then(naming::disk_name_for) else {
            ns_log!(ns, Debug, "no disk name for this namespace, not binding\n");
            return Err(ENODEV);
        };
        // A namespace we hold is one libnvdimm's checks refuse as claimed.
        match drv.holder_of(ns) {
            Holder::Us => ns.checks_when_held()?,
            Holder::Nobody | Holder::Other(_) => ns.common_probe()?,
        }
        if ns.force_raw() {
            // ndctl zeroes an info block this way before it gives the
            // namespace another mode: let it.
            drv.let_go(ns);
            ns_log!(
                ns,
                Info,
                "force_raw is set: leaving the namespace to a raw driver\n"
            );
            return Err(ENXIO);
        }
        let resource = ns.resource();
        let block = read_info_block(ns)?;
        let info = InfoBlock::decode(&block, resource.start, resource.size)
            .and_then(|info| info.check_namespace_uuid(&ns.parent_uuid()).map(|()| info))
            .map_err(|e| {
                if matches!(e, DecodeError::NotDpmem(_) | DecodeError::Recreated { .. }) {
                    // Not ours (any more): nothing to keep other drivers
                    // from.
                    drv.let_go(ns);
                }
                messages::log_decode_error(ns, &e);
                messages::decode_errno(&e)
            })?;
        // Held from here on, bound or not, so no other nd driver (nd_pmem
        // as a raw disk) is ever given what the info block describes.
        drv.hold(ns)
            .inspect_err(|_| ns_log!(ns, Err, "cannot hold the namespace: claimed meanwhile\n"))?;
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
        match l.placement {
            Placement::Ram => ns_log!(
                ns,
                Info,
                "struct pages in RAM, made per {} MiB as DAX maps the data: {} MiB if all of it is mapped\n",
                l.ram_unit >> 20,
                (l.npfns * STRUCT_PAGE_SIZE).div_ceil(1 << 20)
            ),
            Placement::BlockOnly => ns_log!(
                ns,
                Info,
                "no struct pages (placement none): block device only, without DAX\n"
            ),
            _ => (),
        }
        Ok(binding)
    }

    fn added(drv: &DriverHandle, ns: &Namespace) {
        // A namespace device is new after `ndctl enable-region` (or a new
        // label): the claim of the one before it died with it. Held before
        // the bus offers it to nd_pmem, which may have registered first.
        // The size is looked at before any lock is taken: seed namespaces
        // (size 0) may be added with the bus lock held.
        if formatted_for_dpmem(ns) && matches!(drv.holder_of(ns), Holder::Nobody) {
            let _ = drv.hold(ns);
        }
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
        let (disk, size, uuid) = (data.disk_name, data.resource.size, data.info.uuid);
        // The disk goes first (no more writes), then the region is flushed
        // (nd_pmem_remove() flushes too, before its disk's devres teardown):
        // writes without FUA or PREFLUSH become durable on regions with
        // flush hints or an asynchronous flush.
        let pages = data.pages().handle();
        drop(data);
        // DAX is dead: no fault needs struct pages any more. A filesystem
        // still mounted on the deleted disk keeps the page maps until it
        // lets go, but the worker builds no more of them meanwhile.
        pages.quiesce();
        flush_region(ns);
        ns_log!(
            ns,
            Info,
            "released {} ({} MiB, uuid {})\n",
            disk.as_str(),
            size >> 20,
            Uuid(&uuid)
        );
    }

    fn shutdown(ns: &Namespace, _data: &Binding) {
        // As nd_pmem_shutdown(): what was written before reboot or power
        // off is made durable.
        flush_region(ns);
    }

    fn notify(ns: &Namespace, b: &Binding, event: Event) {
        // As nd_pmem_notify().
        match event {
            Event::RevalidatePoison => b.revalidate_poison(ns),
            Event::RevalidateRegion => b.revalidate_region(),
        }
    }
}
