// SPDX-License-Identifier: GPL-2.0

//! What the driver says, and which errno it returns, when it refuses a
//! namespace: an info block that is not dpmem's or is damaged, or a layout
//! the namespace cannot hold. Every message here is explained in the admin
//! guide (tests/static/messages-documented.py checks that).

#![forbid(unsafe_code)]

use crate::abstractions::nvdimm::Namespace;
use crate::format::infoblock::{self, DecodeError, Foreign};
use crate::format::layout::{self, LayoutError};
use crate::format::uuid::Uuid;
use crate::ns_log;
use kernel::prelude::*;

/// The errno a refused info block gives, by what is wrong with it. Never
/// `EOPNOTSUPP`: `nvdimm_bus_probe()` counts that as bound and creates the
/// region's next seed namespace.
pub fn decode_errno(e: &DecodeError) -> Error {
    match e {
        DecodeError::NotDpmem(_) | DecodeError::Recreated { .. } => ENODEV,
        DecodeError::UnsupportedVersion { .. } | DecodeError::UnknownFlags(_) => EINVAL,
        DecodeError::Resized { .. } | DecodeError::Moved { .. } => ENXIO,
        DecodeError::Layout(l) => layout_errno(l),
        DecodeError::BadChecksum { .. }
        | DecodeError::BadConstant { .. }
        | DecodeError::UnknownPlacement(_)
        | DecodeError::LayoutMismatch { .. } => EINVAL,
    }
}

/// The errno an impossible layout gives (at probe and at format).
pub fn layout_errno(e: &LayoutError) -> Error {
    match e {
        LayoutError::MisalignedStart(_)
        | LayoutError::BadUnitSections(_)
        | LayoutError::BadRamUnit(_) => EINVAL,
        LayoutError::TooSmall(_) | LayoutError::NoWholeSection(..) => ENOSPC,
    }
}

/// Says in the kernel log why a layout is impossible on `ns`.
pub fn log_layout_error(ns: &Namespace, what: &str, e: &LayoutError) {
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
            "{what}: namespace {start:#x}+{size:#x} holds no whole 128 MiB-aligned section, which sectioned and grouped placement need (use head)\n"
        ),
        LayoutError::BadUnitSections(n) => ns_log!(
            ns,
            Err,
            "{what}: info block records {n} sections per unit, outside 1-{}: corrupt\n",
            layout::MAX_GROUP_SECTIONS
        ),
        LayoutError::BadRamUnit(bytes) => ns_log!(
            ns,
            Err,
            "{what}: ram unit of {bytes} bytes is not a multiple of 2 MiB from 2 to {} MiB\n",
            layout::MAX_RAM_UNIT >> 20
        ),
    }
}

/// Says in the kernel log why an info block is refused.
pub fn log_decode_error(ns: &Namespace, e: &DecodeError) {
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
        DecodeError::Recreated { recorded, actual } => ns_log!(
            ns,
            Err,
            "namespace uuid is {}, the info block was written for {}: the namespace was recreated over an old one's data, {W}\n",
            Uuid(actual),
            Uuid(recorded)
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
