// SPDX-License-Identifier: GPL-2.0

//! The driver's `format` file: what root writes there is parsed by
//! [`crate::format::command`]; a namespace that no driver holds gets a new
//! info block and is bound.

#![forbid(unsafe_code)]

use crate::abstractions::nvdimm::{DriverHandle, Holder, Namespace};
use crate::abstractions::params;
use crate::abstractions::uuid::random_uuid;
use crate::format::command;
use crate::format::infoblock::{self, Foreign, InfoBlock};
use crate::format::layout::{self, Layout, Placement, INFO_OFFSET};
use crate::messages;
use crate::ns_log;
use kernel::prelude::*;

/// Handles a write to `/sys/bus/nd/drivers/dpmem/format`: writes a new
/// info block on an unbound, unclaimed namespace (refusing to overwrite
/// anything it recognises unless forced), then binds it.
pub fn format(drv: &DriverHandle, input: &[u8]) -> Result {
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
        let was_held = match drv.holder_of(&ns) {
            Holder::Other(c) => {
                ns_log!(
                    ns,
                    Err,
                    "format refused: namespace is claimed by {}\n",
                    c.as_str()
                );
                return Err(EBUSY);
            }
            Holder::Us => ns.checks_when_held().map(|()| true)?,
            Holder::Nobody => ns.common_probe().map(|()| false)?,
        };
        // Held before anything is written: a btt, pfn or dax device that
        // attaches meanwhile (under the bus lock alone) then gets EBUSY
        // rather than a namespace we are writing to.
        drv.hold(&ns).inspect_err(|_| {
            ns_log!(ns, Err, "format refused: namespace was claimed meanwhile\n")
        })?;
        let info = write_info_block(&ns, &cmd).inspect_err(|_| {
            if !was_held {
                drv.let_go(&ns);
            }
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

/// Writes a new info block for `cmd` on the locked, unbound namespace `ns`,
/// unless it holds something recognisable and `force` was not given.
fn write_info_block(ns: &Namespace, cmd: &command::FormatCommand<'_>) -> Result<InfoBlock> {
    let res = ns.resource();
    let placement = cmd
        .placement
        .or_else(params::default_placement)
        .unwrap_or_else(|| layout::auto_placement(res.start, res.size));
    let layout = match placement {
        Placement::Ram => Layout::compute_ram(res.start, res.size, params::ram_unit()),
        _ => Layout::compute(placement, res.start, res.size),
    };
    let info = layout
        .map(|l| InfoBlock::for_layout(l, res.start, random_uuid(), ns.parent_uuid()))
        .map_err(|e| {
            messages::log_layout_error(ns, "format refused", &e);
            messages::layout_errno(&e)
        })?;
    let mut head = KBox::init(
        kernel::init::zeroed::<[u8; infoblock::HEAD_SIZE]>(),
        GFP_KERNEL,
    )?;
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
            ns_log!(
                ns,
                Warning,
                "format: overwriting {} (forced)\n",
                found.name()
            );
        }
        // Reuse the head buffer's second half for the new block.
        let block: &mut [u8; infoblock::BLOCK_SIZE] = (&mut head[infoblock::BLOCK_SIZE..])
            .try_into()
            .map_err(|_| EINVAL)?;
        info.encode_into(block);
        md.write(INFO_OFFSET, &block[..])
    })?;
    Ok(info)
}
