// SPDX-License-Identifier: GPL-2.0

//! The attributes under `/sys/bus/nd/devices/namespaceX.Y/dpmem/`
//! (documented in Documentation/ABI/testing/sysfs-bus-nd-dpmem).

#![forbid(unsafe_code)]

use crate::abstractions::sysfs::{Attribute, SysfsOut};
use crate::attach::Binding;
use crate::emit;
use crate::format::rangelist::RangeList;
use crate::format::uuid::Uuid;
use kernel::c_str;
use kernel::prelude::*;

/// One attribute of a bound namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    /// Namespace offset of the data (the disk's sector 0), bytes.
    DataOffset,
    /// The disk's capacity, bytes.
    DataSize,
    /// Bytes of descriptor chunks on the media.
    DescriptorBytes,
    /// `head`, `sectioned`, `grouped`, `ram` or `none`.
    Placement,
    /// Descriptor chunks of the layout.
    ChunksTotal,
    /// Descriptor chunks filled with struct pages so far.
    ChunksInitialised,
    /// The uuid written at format time.
    Uuid,
    /// Units with struct pages, as a range list ("0,3-5").
    UnitsInitialised,
    /// Bytes of RAM holding struct pages of the data (ram placement).
    StructPagesRam,
    /// Bytes of data per page map of ram placement, as formatted.
    RamUnit,
}

impl Attribute for Attr {
    const ALL: &'static [Attr] = &[
        Attr::DataOffset,
        Attr::DataSize,
        Attr::DescriptorBytes,
        Attr::Placement,
        Attr::ChunksTotal,
        Attr::ChunksInitialised,
        Attr::Uuid,
        Attr::UnitsInitialised,
        Attr::StructPagesRam,
        Attr::RamUnit,
    ];

    fn name(self) -> &'static CStr {
        match self {
            Attr::DataOffset => c_str!("data_offset"),
            Attr::DataSize => c_str!("data_size"),
            Attr::DescriptorBytes => c_str!("descriptor_bytes"),
            Attr::Placement => c_str!("placement"),
            Attr::ChunksTotal => c_str!("chunks_total"),
            Attr::ChunksInitialised => c_str!("chunks_initialised"),
            Attr::Uuid => c_str!("uuid"),
            Attr::UnitsInitialised => c_str!("units_initialised"),
            Attr::StructPagesRam => c_str!("struct_pages_ram"),
            Attr::RamUnit => c_str!("ram_unit"),
        }
    }
}

/// Writes attribute `attr` of binding `b`.
pub fn show(b: &Binding, attr: Attr, out: &mut SysfsOut) {
    let l = &b.info.layout;
    match attr {
        Attr::DataOffset => emit!(out, "{}\n", l.data_offset),
        Attr::DataSize => emit!(out, "{}\n", l.data_size),
        Attr::DescriptorBytes => emit!(out, "{}\n", l.desc_size()),
        Attr::Placement => emit!(out, "{}\n", l.placement.name()),
        Attr::ChunksTotal => emit!(out, "{}\n", l.chunks()),
        Attr::ChunksInitialised => emit!(out, "{}\n", b.chunks_initialised()),
        Attr::Uuid => emit!(out, "{}\n", Uuid(&b.info.uuid)),
        Attr::UnitsInitialised => show_units(b, out),
        Attr::StructPagesRam => emit!(out, "{}\n", b.struct_pages_ram()),
        Attr::RamUnit => emit!(out, "{}\n", l.ram_unit),
    }
}

/// A range list ("0,3-5") of the units with struct pages, written as it
/// is walked: nothing is allocated under the lock the lazy-init worker
/// takes. A list longer than the page ends with ",..." (every number shown
/// is whole); `chunks_initialised` gives the count.
fn show_units(b: &Binding, out: &mut SysfsOut) {
    out.write_with(|buf| {
        let mut list = RangeList::new(buf);
        b.pages().fold((), |(), unit, _| list.push(unit));
        list.finish()
    });
}
