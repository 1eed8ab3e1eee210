// SPDX-License-Identifier: GPL-2.0

//! dpmem: a persistent-memory driver that keeps the `struct page`
//! descriptors of a namespace on the namespace itself.
//!
//! This file is the crate root: the module, and the nd bus driver that binds
//! IO and PMEM namespaces carrying a valid dpmem info block. Unsafe code and
//! C calls live in the abstraction modules (`libnvdimm`); the logic here is
//! safe Rust, on top of the pure modules (`layout`, `infoblock`, `command`,
//! `naming`).

pub mod bindings;
pub mod block;
pub mod command;
pub mod dax;
pub mod descriptors;
pub mod infoblock;
pub mod io;
#[cfg(CONFIG_KUNIT)]
pub mod kunit;
pub mod layout;
pub mod lazy;
pub mod libnvdimm;
pub mod memremap;
pub mod naming;
pub mod params;
pub mod pmem;
pub mod worker;

use block::{Badblocks, Disk, DiskParams, DiskVTable, Features};
use descriptors::Descriptors;
use infoblock::{DecodeError, Foreign, InfoBlock};
use io::PmemIo;
use kernel::sync::Arc;
use kernel::{c_str, prelude::*};
use layout::{Layout, LayoutError, Placement, INFO_OFFSET};
use lazy::{Lazy, LazyOwner};
use libnvdimm::{DriverHandle, Namespace, NamespaceResource, SysfsOut};
use memremap::FailureTarget;
use pmem::{Mapping, MemClaim, Region};

module! {
    type: DpmemModule,
    name: "dpmem",
    author: "dpmem developers",
    description: "Persistent memory with on-device struct page descriptors, initialised lazily",
    license: "GPL",
}

/// The block device operations of every dpmem disk. `THIS_MODULE` as owner
/// keeps the module loaded while any disk is open.
static DISK_VTABLE: DiskVTable<PmemIo> = DiskVTable::new(&THIS_MODULE);

/// The DAX operations of every dpmem disk.
static DAX_VTABLE: dax::DaxVTable<PmemIo> = dax::DaxVTable::new();

/// State of one bound namespace; dropped on unbind.
///
/// Field order is teardown order (after `drop` stopped memory-failure
/// reports to the DAX device): the disk goes first (DAX device killed, which
/// waits for faults in `direct_access`; `del_gendisk` waits for bios in
/// flight; the data mapping is unmapped), then the struct pages (the worker
/// is stopped, each page map waits for its pages to be free), the claim on
/// the physical range last.
pub struct Binding {
    _disk: Disk<PmemIo>,
    pages: LazyOwner<Descriptors>,
    target: Arc<FailureTarget>,
    _claim: MemClaim,
    resource: NamespaceResource,
    disk_name: naming::DiskName,
    info: InfoBlock,
}

impl Drop for Binding {
    fn drop(&mut self) {
        self.target.clear();
    }
}

impl Binding {
    /// Descriptor chunks whose struct pages are live: each 2 MiB chunk the
    /// kernel has filled with struct pages, over every page map created.
    fn chunks_initialised(&self) -> u64 {
        let pages = self.pages.fold(0u64, |n, _, pm| n + pm.altmap_used_pages());
        pages * layout::PAGE_SIZE / layout::CHUNK_SIZE
    }
}

/// Attributes under `/sys/bus/nd/devices/namespaceX.Y/dpmem/`.
const ATTRS: [&CStr; 8] = [
    c_str!("data_offset"),
    c_str!("data_size"),
    c_str!("descriptor_bytes"),
    c_str!("placement"),
    c_str!("chunks_total"),
    c_str!("chunks_initialised"),
    c_str!("uuid"),
    c_str!("units_initialised"),
];

/// `-EOPNOTSUPP`, which the 6.12 kernel crate does not name.
fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// The errno a refused info block gives, by what is wrong with it.
fn decode_errno(e: &DecodeError) -> Error {
    match e {
        DecodeError::NotDpmem(_) => ENODEV,
        DecodeError::UnsupportedVersion { .. } | DecodeError::UnknownFlags(_) => eopnotsupp(),
        DecodeError::Resized { .. } | DecodeError::Moved { .. } => ENXIO,
        DecodeError::Layout(l) => layout_errno(l),
        DecodeError::BadChecksum { .. }
        | DecodeError::BadConstant { .. }
        | DecodeError::UnknownPlacement(_)
        | DecodeError::LayoutMismatch { .. } => EINVAL,
    }
}

fn layout_errno(e: &LayoutError) -> Error {
    match e {
        LayoutError::MisalignedStart(_) => eopnotsupp(),
        LayoutError::TooSmall(_) | LayoutError::NoWholeSection(..) => ENOSPC,
    }
}

/// Says in the kernel log why a layout is impossible on `ns`.
fn log_layout_error(ns: &Namespace, what: &str, e: &LayoutError) {
    match e {
        LayoutError::MisalignedStart(start) => ns_log!(
            ns,
            Err,
            "{what}: namespace start {start:#x} is not 2 MiB aligned\n"
        ),
        LayoutError::TooSmall(size) => ns_log!(
            ns,
            Err,
            "{what}: namespace of {size} bytes is too small (needs at least 4 MiB: reservation plus one 2 MiB data unit)\n"
        ),
        LayoutError::NoWholeSection(start, size) => ns_log!(
            ns,
            Err,
            "{what}: namespace {start:#x}+{size:#x} holds no whole 128 MiB-aligned section, which sectioned placement needs (use head)\n"
        ),
    }
}

/// Says in the kernel log why an info block is refused.
fn log_decode_error(ns: &Namespace, e: &DecodeError) {
    const W: &str = "not binding";
    match e {
        DecodeError::NotDpmem(Foreign::Nothing) => ns_log!(
            ns,
            Info,
            "no dpmem info block, {W} (format it by writing its name to /sys/bus/nd/drivers/dpmem/format)\n"
        ),
        DecodeError::NotDpmem(f) => ns_log!(ns, Info, "holds {}, not dpmem; {W}\n", f.name()),
        DecodeError::BadChecksum { stored, computed } => ns_log!(
            ns,
            Err,
            "info block checksum mismatch (stored {stored:#018x}, computed {computed:#018x}), {W}\n"
        ),
        DecodeError::UnsupportedVersion { major, minor } => ns_log!(
            ns,
            Err,
            "info block version {major}.{minor} is not supported (this driver reads {}.x), {W}\n",
            infoblock::VERSION_MAJOR
        ),
        DecodeError::UnknownFlags(flags) => ns_log!(
            ns,
            Err,
            "info block has unknown feature flags {flags:#x}, {W}\n"
        ),
        DecodeError::BadConstant {
            field,
            found,
            expected,
        } => ns_log!(
            ns,
            Err,
            "info block {field} is {found}, expected {expected}: corrupt, {W}\n"
        ),
        DecodeError::UnknownPlacement(p) => ns_log!(
            ns,
            Err,
            "info block placement {p} is unknown: corrupt, {W}\n"
        ),
        DecodeError::Resized { recorded, actual } => ns_log!(
            ns,
            Err,
            "namespace was resized: formatted for {recorded} bytes, now {actual} bytes, {W}\n"
        ),
        DecodeError::Moved { recorded, actual } => ns_log!(
            ns,
            Err,
            "namespace moved: formatted at {recorded:#x}, now at {actual:#x}, {W}\n"
        ),
        DecodeError::Layout(l) => log_layout_error(ns, W, l),
        DecodeError::LayoutMismatch {
            field,
            found,
            expected,
        } => ns_log!(
            ns,
            Err,
            "info block {field} is {found:#x}, the namespace geometry implies {expected:#x}: corrupt, {W}\n"
        ),
    }
}

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

/// Formats a uuid the usual way (8-4-4-4-12 lowercase hex).
struct Uuid<'a>(&'a [u8; 16]);

impl core::fmt::Display for Uuid<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
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
    const SECTOR: u64 = 512;
    let mut all = Badblocks::new()?;
    region.load_badblocks(&all, start, l.namespace_size);
    let (mut i, mut outside, mut dropped) = (0, 0u32, 0u32);
    while let Some((sector, sectors)) = all.entry(i) {
        i += 1;
        let a = sector.saturating_mul(SECTOR);
        let b = a.saturating_add(u64::from(sectors) * SECTOR);
        let mut inside = 0;
        for unit in 0..l.units() {
            let Some(m) = l.unit_map(unit) else { break };
            let (lo, hi) = (a.max(m.data_start), b.min(m.start + m.len));
            if lo < hi {
                let logical = m.logical_start + (lo - m.data_start);
                if !bb.set(logical / SECTOR, ((hi - lo) / SECTOR) as u32) {
                    dropped += 1;
                }
                inside += hi - lo;
            }
        }
        if inside < b - a {
            outside += 1;
        }
    }
    Ok(Poison { outside, dropped })
}

/// Claims and maps the data area of a validated namespace and registers
/// its block device.
fn attach_disk(
    ns: &Namespace,
    resource: NamespaceResource,
    disk_name: naming::DiskName,
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
    let map = Mapping::new(&claim, resource.start, l.mapped_len()).inspect_err(|e| {
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
    let Poison { outside, dropped } = load_poison(&region, l, resource.start, &badblocks)?;
    if dropped > 0 {
        // Like pmem.c, bind anyway (the data stays reachable): block reads
        // there still fail with EIO on the machine check, but DAX cannot
        // refuse those pages up front.
        ns_log!(
            ns,
            Warning,
            "{dropped} bad range(s) do not fit the bad-block list; DAX may map poisoned pages there\n"
        );
    }
    if badblocks.count() > 0 {
        ns_log!(
            ns,
            Warning,
            "{} bad range(s) in the data area; reads there fail until rewritten\n",
            badblocks.count()
        );
    }
    if outside > 0 {
        ns_log!(
            ns,
            Warning,
            "{outside} bad range(s) outside the data (info block, descriptor chunks or unused space)\n"
        );
    }

    // The struct pages of the data, created off the bind path by a worker:
    // head placement starts it right after the disk is up, sectioned
    // placement on the first DAX access that needs a pfn in a section.
    let target = FailureTarget::new()?;
    let pages = LazyOwner::new(
        Descriptors {
            layout: *l,
            ns_start: resource.start,
            nid: ns.numa_node(),
            target: target.clone(),
            disk_name,
            progress: Default::default(),
        },
        l.units(),
        ns.name(),
    )?;

    let mut features = Features::WRITE_CACHE | Features::SYNCHRONOUS | Features::DAX;
    if fua {
        features = features | Features::FUA;
    }
    let params = DiskParams {
        name: disk_name.as_str(),
        capacity: l.data_size,
        logical_block_size: 512,
        physical_block_size: layout::PAGE_SIZE as u32,
        features,
        node: ns.numa_node(),
    };
    let io = KBox::pin(
        PmemIo {
            map,
            layout: *l,
            region,
            badblocks,
            pages: pages.handle(),
        },
        GFP_KERNEL,
    )?;
    let mut disk = Disk::new(&DISK_VTABLE, &params, io)?;
    disk.enable_dax(&DAX_VTABLE, synchronous, write_cache)
        .inspect_err(|e| ns_log!(ns, Err, "cannot set up DAX: error {}\n", e.to_errno()))?;
    ns.add_disk(&mut disk).inspect_err(|e| {
        ns_log!(
            ns,
            Err,
            "cannot add disk {}: error {}\n",
            disk_name.as_str(),
            e.to_errno()
        )
    })?;
    if let Some(dax) = disk.dax_device() {
        target.set(dax);
    }
    if l.placement == Placement::Head {
        // Not waited for: block I/O never needs struct pages, DAX faults
        // wait in `direct_access`.
        Lazy::start(&pages, 0)?;
    }
    Ok(KBox::pin(
        Binding {
            _disk: disk,
            pages,
            target,
            _claim: claim,
            resource,
            disk_name,
            info,
        },
        GFP_KERNEL,
    )?)
}

struct DpmemDriver;

impl libnvdimm::Driver for DpmemDriver {
    type Data = Binding;
    const NAME: &'static CStr = c_str!("dpmem");

    fn probe(ns: &Namespace) -> Result<Pin<KBox<Binding>>> {
        // The nd bus offers namespace drivers a region's pfn and btt
        // devices too (nd_pmem serves them): not ours, and no error.
        let Some(disk_name) = ns.name().to_str().ok().and_then(naming::disk_name_for) else {
            ns_log!(ns, Debug, "not a namespace, leaving it to nd_pmem\n");
            return Err(ENODEV);
        };
        ns.common_probe()?;
        let resource = ns.resource();
        let block = read_info_block(ns)?;
        let info = InfoBlock::decode(&block, resource.start, resource.size).map_err(|e| {
            log_decode_error(ns, &e);
            decode_errno(&e)
        })?;
        let binding = attach_disk(ns, resource, disk_name, info)?;
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
        let cmd = command::parse_format(input).map_err(|e| {
            pr_err!("format: {}\n", e.reason());
            EINVAL
        })?;
        let Some(ns_ref) = drv.find_namespace(cmd.namespace) else {
            pr_err!("format: no namespace {} on the nd bus\n", cmd.namespace);
            return Err(ENODEV);
        };
        {
            let ns = ns_ref.lock();
            if let Some(d) = ns.driver_name() {
                ns_log!(
                    ns,
                    Err,
                    "format refused: namespace is bound to {}; unbind it first\n",
                    d
                );
                return Err(EBUSY);
            }
            if let Some(c) = ns.claimed_by() {
                ns_log!(ns, Err, "format refused: namespace is claimed by {}\n", c);
                return Err(EBUSY);
            }
            ns.common_probe()?;
            let res = ns.resource();
            let info = InfoBlock::new(
                cmd.placement.unwrap_or_else(params::default_placement),
                res.start,
                res.size,
                libnvdimm::random_uuid(),
                ns.parent_uuid(),
            )
            .map_err(|e| {
                log_layout_error(&ns, "format refused", &e);
                layout_errno(&e)
            })?;
            let mut head = KBox::new([0u8; infoblock::HEAD_SIZE], GFP_KERNEL)?;
            ns.with_metadata(layout::INFO_RESERVE, |md| {
                md.read(0, &mut head[..])?;
                let found = infoblock::identify(&head);
                if found != Foreign::Nothing {
                    if !cmd.force {
                        ns_log!(
                            ns,
                            Err,
                            "format refused: namespace holds {}; write '{} force' to overwrite it\n",
                            found.name(),
                            cmd.namespace
                        );
                        return Err(EEXIST);
                    }
                    ns_log!(ns, Warning, "format: overwriting {} (forced)\n", found.name());
                }
                // Reuse the head buffer's second half for the new block.
                let block: &mut [u8; infoblock::BLOCK_SIZE] = (&mut head[infoblock::BLOCK_SIZE..])
                    .try_into()
                    .map_err(|_| EINVAL)?;
                info.encode_into(block);
                md.write(INFO_OFFSET, &block[..])
            })?;
            let l = &info.layout;
            ns_log!(
                ns,
                Info,
                "formatted: {} placement, data {} MiB at offset {} MiB\n",
                l.placement.name(),
                l.data_size >> 20,
                l.data_offset >> 20
            );
        }
        drv.attach(&ns_ref)
    }

    const ATTR_GROUP: &'static CStr = c_str!("dpmem");
    const ATTRS: &'static [&'static CStr] = &ATTRS;

    fn show(b: &Binding, index: usize, out: &mut SysfsOut) -> Result {
        let l = &b.info.layout;
        match index {
            0 => emit!(out, "{}\n", l.data_offset),
            1 => emit!(out, "{}\n", l.data_size),
            2 => emit!(out, "{}\n", l.desc_size()),
            3 => emit!(out, "{}\n", l.placement.name()),
            4 => emit!(out, "{}\n", l.chunks()),
            5 => emit!(out, "{}\n", b.chunks_initialised()),
            6 => emit!(out, "{}\n", Uuid(&b.info.uuid)),
            7 => {
                // A range list ("0,3-5") of the units with struct pages,
                // written as it is walked: nothing is allocated under the
                // lock the lazy-init worker takes.
                let emit_range = |out: &mut SysfsOut, first: bool, (lo, hi): (u64, u64)| {
                    let sep = if first { "" } else { "," };
                    if lo == hi {
                        emit!(out, "{sep}{lo}");
                    } else {
                        emit!(out, "{sep}{lo}-{hi}");
                    }
                };
                let (last, first) = b
                    .pages
                    .fold((None, true), |(cur, first), unit, _| match cur {
                        Some((lo, hi)) if hi + 1 == unit => (Some((lo, unit)), first),
                        Some(range) => {
                            emit_range(out, first, range);
                            (Some((unit, unit)), false)
                        }
                        None => (Some((unit, unit)), first),
                    });
                if let Some(range) = last {
                    emit_range(out, first, range);
                }
                emit!(out, "\n");
            }
            _ => return Err(EINVAL),
        }
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
