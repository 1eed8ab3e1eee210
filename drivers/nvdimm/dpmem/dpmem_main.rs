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
pub mod command;
pub mod infoblock;
#[cfg(CONFIG_KUNIT)]
pub mod kunit;
pub mod layout;
pub mod libnvdimm;
pub mod naming;

use infoblock::{DecodeError, Foreign, InfoBlock};
use kernel::{c_str, prelude::*};
use layout::{LayoutError, INFO_OFFSET};
use libnvdimm::{DriverHandle, Namespace, NamespaceResource};

module! {
    type: DpmemModule,
    name: "dpmem",
    author: "dpmem developers",
    description: "Persistent memory with on-device struct page descriptors, initialised lazily",
    license: "GPL",
}

/// State of one bound namespace; dropped on unbind.
pub struct Binding {
    resource: NamespaceResource,
    disk_name: naming::DiskName,
    info: InfoBlock,
}

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
        LayoutError::MisalignedStart(_) | LayoutError::UnsupportedPlacement(_) => eopnotsupp(),
        LayoutError::TooSmall(_) => ENOSPC,
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
        LayoutError::UnsupportedPlacement(p) => ns_log!(
            ns,
            Err,
            "{what}: placement '{}' is not supported by this version of dpmem\n",
            p.name()
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
        let block = read_info_block(ns)?;
        let info = InfoBlock::decode(&block, resource.start, resource.size).map_err(|e| {
            log_decode_error(ns, &e);
            decode_errno(&e)
        })?;
        let l = &info.layout;
        ns_log!(
            ns,
            Info,
            "bound: resource {:#x}-{:#x}, {} MiB, disk {}: data {} MiB at offset {} MiB, {} descriptor chunks ({} placement), overhead {}.{:04} %\n",
            resource.start,
            resource.start + resource.size.saturating_sub(1),
            resource.size >> 20,
            disk_name.as_str(),
            l.data_size >> 20,
            l.data_offset >> 20,
            l.chunks(),
            l.placement.name(),
            l.overhead_ppm() / 10_000,
            l.overhead_ppm() % 10_000
        );
        Ok(KBox::pin(
            Binding {
                resource,
                disk_name,
                info,
            },
            GFP_KERNEL,
        )?)
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
                cmd.placement,
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

    fn remove(ns: &Namespace, data: Pin<KBox<Binding>>) {
        ns_log!(
            ns,
            Info,
            "released {} ({} MiB, uuid {:02x?})\n",
            data.disk_name.as_str(),
            data.resource.size >> 20,
            data.info.uuid
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
