// SPDX-License-Identifier: GPL-2.0

//! The `dax` attribute group of a DAX host's disk (`write_cache`), as
//! `drivers/nvdimm/pmem.c` has it.
//!
//! C header: [`include/linux/dax.h`](srctree/include/linux/dax.h)

use crate::abstractions::bindings;
use kernel::prelude::*;

/// The `dax/write_cache` attribute of a DAX host's disk, as nd_pmem has
/// it: reads and sets whether CPU caches are written back to make DAX
/// stores durable (`dax_write_cache`).
///
/// # Invariants
///
/// `dax` is the live dax device of the [`DaxHost`](super::dax::DaxHost) that owns this; the
/// tables point into the same pinned allocation.
#[repr(C)]
pub(super) struct DaxAttrs {
    attr: bindings::device_attribute,
    attrs: [*mut bindings::attribute; 2],
    group: bindings::attribute_group,
    groups: [*const bindings::attribute_group; 2],
    dax: *mut bindings::dax_device,
}

impl DaxAttrs {
    /// The attribute group for `dax`, pinned.
    pub(super) fn new(
        dax: *mut bindings::dax_device,
    ) -> Result<Pin<KBox<kernel::types::Opaque<DaxAttrs>>>> {
        // SAFETY: all-zero is valid for these C structs and pointers.
        let zeroed: DaxAttrs = unsafe { core::mem::zeroed() };
        let b = KBox::pin(kernel::types::Opaque::new(zeroed), GFP_KERNEL)?;
        let p = b.get();
        // SAFETY: `p` is pinned and ours; the tables point into it.
        unsafe {
            (*p).dax = dax;
            (*p).attr.attr.name = c"write_cache".as_ptr().cast();
            (*p).attr.attr.mode = 0o644;
            // Heap attributes need a static lockdep key (`sysfs_attr_init`).
            bindings::dpmem_sysfs_attr_init(&raw mut (*p).attr.attr);
            (*p).attr.show = Some(write_cache_show);
            (*p).attr.store = Some(write_cache_store);
            (*p).attrs = [&raw mut (*p).attr.attr, core::ptr::null_mut()];
            (*p).group.name = c"dax".as_ptr().cast();
            (*p).group.attrs = (&raw mut (*p).attrs).cast();
            (*p).groups = [&raw const (*p).group, core::ptr::null()];
        }
        Ok(b)
    }

    /// The NULL-terminated group list of `this`, for `device_add_disk`.
    pub(super) fn groups(
        this: &Pin<KBox<kernel::types::Opaque<DaxAttrs>>>,
    ) -> *const *const bindings::attribute_group {
        // SAFETY: a field projection of the pinned tables (type invariant).
        unsafe { (&raw const (*this.get()).groups).cast() }
    }
}

/// # Safety
///
/// Called by sysfs for the `write_cache` attribute of a [`DaxAttrs`], with
/// `buf` a page. The attribute exists only while its disk is added, and
/// the dax device outlives that (see [`GenDisk`](super::block::GenDisk)'s drop).
unsafe extern "C" fn write_cache_show(
    _dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *mut kernel::ffi::c_char,
) -> isize {
    // SAFETY: the attribute is the `attr` field of a live `DaxAttrs`.
    let a = unsafe { kernel::container_of!(attr, DaxAttrs, attr) };
    // SAFETY: the dax device is live (type invariant and the contract).
    let on = unsafe { bindings::dax_write_cache_enabled((*a).dax) };
    // SAFETY: `buf` is the sysfs page; the format takes one int.
    unsafe {
        bindings::sysfs_emit(buf, c"%d\n".as_ptr().cast(), kernel::ffi::c_int::from(on)) as isize
    }
}

/// # Safety
///
/// As [`write_cache_show`], with `buf` valid for `len` bytes.
unsafe extern "C" fn write_cache_store(
    _dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *const kernel::ffi::c_char,
    len: usize,
) -> isize {
    let mut on = false;
    // SAFETY: sysfs passes a NUL-terminated buffer.
    let r = unsafe { bindings::kstrtobool(buf, &mut on) };
    if r != 0 {
        return r as isize;
    }
    // SAFETY: as in `write_cache_show`.
    let a = unsafe { kernel::container_of!(attr, DaxAttrs, attr) };
    // SAFETY: the dax device is live (type invariant and the contract).
    unsafe { bindings::dax_write_cache((*a).dax, on) };
    len as isize
}
