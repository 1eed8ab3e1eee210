// SPDX-License-Identifier: GPL-2.0

//! What a bound namespace is made of, and the order it is taken apart in.
//!
//! Attaching a validated namespace claims its physical range, maps it,
//! loads its known poison, prepares the lazy creation of its struct pages
//! and registers its disk (with DAX); [`Binding`] owns the result until
//! unbind.

#![forbid(unsafe_code)]

use crate::abstractions::block::{Badblocks, DiskVTable, Features, GenDisk, GenDiskBuilder};
use crate::abstractions::dax::{DaxHost, DaxVTable, FailureTarget};
use crate::abstractions::memremap::STRUCT_PAGE_SIZE;
use crate::abstractions::nvdimm::{Namespace, NamespaceResource, Region};
use crate::abstractions::pmem::Mapping;
use crate::abstractions::resource::MemClaim;
use crate::device::PmemDevice;
use crate::format::infoblock::InfoBlock;
use crate::format::layout::{self, Layout, Placement};
use crate::format::naming::DiskName;
use crate::lazy::{Lazy, LazyOwner};
use crate::ns_log;
use crate::struct_pages::StructPages;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The block device operations of every dpmem disk. `THIS_MODULE` as owner
/// keeps the module loaded while any disk is open.
static DISK_VTABLE: DiskVTable<PmemDevice> = DiskVTable::new(&crate::THIS_MODULE);

/// The DAX operations of every dpmem disk.
static DAX_VTABLE: DaxVTable<PmemDevice> = DaxVTable::new();

/// State of one bound namespace; dropped on unbind.
///
/// Field order is teardown order: the disk goes first (its DAX host stops
/// memory-failure reports and is killed, which waits for faults in
/// `direct_access`; `del_gendisk` waits for bios in flight), then our
/// reference to the claim on the physical range. The disk's data (the
/// mapping, the struct pages and their own references to the claim) goes
/// with the disk's last reference: at once, or, if a filesystem is still
/// mounted on the deleted disk, when it unmounts. Until then its DAX
/// entries and its users' mappings still point at those struct pages, so
/// they stay, and the range stays claimed (a rebind is refused as busy).
pub struct Binding {
    disk: GenDisk<PmemDevice>,
    _claim: Arc<MemClaim>,
    /// The namespace's physical range.
    pub resource: NamespaceResource,
    /// The disk's name.
    pub disk_name: DiskName,
    /// What the info block says.
    pub info: InfoBlock,
}

impl Binding {
    /// The struct pages of the data, created lazily.
    pub fn pages(&self) -> &LazyOwner<StructPages> {
        &self.disk.data().get_ref().pages
    }

    /// Bytes of RAM holding struct pages of the data now: those of every
    /// unit built (ram placement; the others keep them on the media).
    /// Counted without the lock DAX faults wait on (a sysfs read).
    pub fn struct_pages_ram(&self) -> u64 {
        if self.info.layout.placement != Placement::Ram {
            return 0;
        }
        self.pages().initialiser().pages_built() * STRUCT_PAGE_SIZE
    }

    /// Descriptor chunks whose struct pages are live: each 2 MiB chunk the
    /// kernel has filled with struct pages, over every page map created.
    pub fn chunks_initialised(&self) -> u64 {
        // Ram placement has no chunks: no walk over its many units under
        // the lock DAX faults wait on.
        if !self.info.layout.placement.on_device() {
            return 0;
        }
        let pages = self
            .pages()
            .fold(0u64, |n, _, pm| n + pm.altmap_used_pages());
        pages * layout::PAGE_SIZE / layout::CHUNK_SIZE
    }

    /// `pmem_revalidate_poison()`: the region's poison list grew (ARS or
    /// a machine check found more): what lies in the data goes into the
    /// disk's bad-block list (reads there fail, DAX refuses those pages,
    /// writes clear them first), and pollers of the list are told.
    pub fn revalidate_poison(&self, ns: &Namespace) {
        let dev = self.disk.data();
        let before = dev.badblocks.count();
        match load_poison(
            &dev.region,
            &self.info.layout,
            self.resource.start,
            &dev.badblocks,
        ) {
            Ok(p) => {
                if dev.badblocks.count() != before {
                    ns_log!(
                        ns,
                        Warning,
                        "new poison: {} bad range(s) in the data area (was {}); reads there fail until rewritten\n",
                        dev.badblocks.count(),
                        before
                    );
                }
                if p.dropped > 0 || p.outside > 0 {
                    log_poison_elsewhere(ns, &p);
                }
            }
            Err(e) => ns_log!(
                ns,
                Err,
                "cannot reload the poison list: error {}\n",
                e.to_errno()
            ),
        }
        dev.badblocks.notify();
    }

    /// `pmem_revalidate_region()`: the disk follows the region's read-only
    /// state.
    pub fn revalidate_region(&self) {
        Namespace::sync_read_only(&self.disk);
    }
}

/// What [`load_poison`] found.
struct Poison {
    /// Bad ranges lying (partly) outside the data.
    outside: u32,
    /// Bad ranges in the data that did not fit the device's list.
    dropped: u32,
}

/// Loads the region's known poison in the namespace at `start` into `bb`
/// as device sectors.
fn load_poison(region: &Region, l: &Layout, start: u64, bb: &Badblocks) -> Result<Poison> {
    let mut all = Badblocks::new()?;
    region.load_badblocks(&all, start, l.namespace_size);
    let (mut i, mut outside, mut dropped) = (0, 0u32, 0u32);
    while let Some(poisoned) = all.entry(i) {
        i += 1;
        let split = l.poison_to_device(poisoned.sector, poisoned.sectors, |bad| {
            if !bb.set(bad.sector, bad.sectors) {
                dropped += 1;
            }
        });
        if split.outside_data {
            outside += 1;
        }
    }
    Ok(Poison { outside, dropped })
}

/// Logs the poison found at bind.
fn log_poison(ns: &Namespace, badblocks: &Badblocks, p: &Poison) {
    if badblocks.count() > 0 {
        ns_log!(
            ns,
            Warning,
            "{} bad range(s) in the data area; reads there fail until rewritten\n",
            badblocks.count()
        );
    }
    log_poison_elsewhere(ns, p);
}

/// Logs poison that the disk's bad-block list does not show.
fn log_poison_elsewhere(ns: &Namespace, p: &Poison) {
    if p.dropped > 0 {
        // Like pmem.c, bind anyway (the data stays reachable): block reads
        // there still fail with EIO on the machine check, but DAX cannot
        // refuse those pages up front.
        ns_log!(
            ns,
            Warning,
            "{} bad range(s) do not fit the bad-block list; DAX may map poisoned pages there\n",
            p.dropped
        );
    }
    if p.outside > 0 {
        ns_log!(
            ns,
            Warning,
            "{} bad range(s) outside the data (info block, descriptor chunks or unused space)\n",
            p.outside
        );
    }
}

/// Claims and maps the data area of a validated namespace and registers
/// its block device.
pub fn attach(
    ns: &Namespace,
    resource: NamespaceResource,
    disk_name: DiskName,
    info: InfoBlock,
) -> Result<Pin<KBox<Binding>>> {
    let l = &info.layout;
    let region = ns.region()?;
    let (synchronous, write_cache) = (region.is_sync(), region.has_cache());
    let fua = region.has_flush().unwrap_or_else(|_| {
        ns_log!(ns, Warning, "unable to guarantee persistence of writes\n");
        false
    });
    let claim = ns.claim(resource.start, resource.size).inspect_err(|_| {
        ns_log!(
            ns,
            Err,
            "could not reserve {:#x}-{:#x}: busy\n",
            resource.start,
            resource.start + resource.size.saturating_sub(1)
        )
    })?;
    let claim = Arc::new(claim, GFP_KERNEL)?;
    let map = Mapping::new(claim.clone(), resource.start, l.mapped_len()).inspect_err(|e| {
        ns_log!(
            ns,
            Err,
            "cannot map the data area: error {}\n",
            e.to_errno()
        )
    })?;

    // Known poison: in the data it fails reads of those sectors (and is
    // listed in /sys/block/<disk>/badblocks); elsewhere it would hit the
    // info block or the descriptors.
    let badblocks = Badblocks::new()?;
    let poison = load_poison(&region, l, resource.start, &badblocks)?;
    log_poison(ns, &badblocks, &poison);

    // The struct pages of the data, created off the bind path by a worker:
    // head placement starts it right after the disk is up, the others on
    // the first DAX access that needs a pfn in a unit (none has no units).
    let target = FailureTarget::new()?;
    let pages = LazyOwner::new(
        StructPages::new(
            *l,
            resource.start,
            ns.numa_node(),
            claim.clone(),
            target.clone(),
            ns.region()?,
            disk_name,
        ),
        l.units(),
        ns.name(),
    )?;

    // Like pmem.c, DAX only with struct pages: a `none` disk is a plain
    // block device (filesystems refuse or turn off `-o dax` on it).
    let mut features = Features::WRITE_CACHE | Features::SYNCHRONOUS;
    if l.placement.has_dax() {
        features = features | Features::DAX;
    }
    if fua {
        features = features | Features::FUA;
    }
    let device = KBox::pin(
        PmemDevice {
            map,
            layout: *l,
            region,
            badblocks,
            pages,
            name: disk_name,
        },
        GFP_KERNEL,
    )?;
    let mut disk = GenDiskBuilder::new()
        .name(disk_name.as_str())
        .capacity_bytes(l.data_size)
        .logical_block_size(512)
        .physical_block_size(layout::PAGE_SIZE as u32)
        .features(features)
        .node(ns.numa_node())
        .build(&DISK_VTABLE, device)?;
    if l.placement.has_dax() {
        DaxHost::install(&mut disk, &DAX_VTABLE, synchronous, write_cache, &target)
            .inspect_err(|e| ns_log!(ns, Err, "cannot set up DAX: error {}\n", e.to_errno()))?;
    }
    ns.add_disk(&mut disk).inspect_err(|e| {
        ns_log!(
            ns,
            Err,
            "cannot add disk {}: error {}\n",
            disk_name.as_str(),
            e.to_errno()
        )
    })?;
    if l.placement == Placement::Head {
        // Not waited for: block I/O never needs struct pages, DAX faults
        // wait in `direct_access`.
        Lazy::start(&disk.data().get_ref().pages, 0)?;
    }
    Ok(KBox::pin(
        Binding {
            disk,
            _claim: claim,
            resource,
            disk_name,
            info,
        },
        GFP_KERNEL,
    )?)
}
