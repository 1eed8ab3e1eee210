// SPDX-License-Identifier: GPL-2.0

//! The sysfs side of an nd bus driver ([`super::bus`]): the write-only
//! `format` driver attribute, which takes a command, and the read-only
//! attributes under each namespace bound to it.
//!
//! C header: [`include/linux/device.h`](srctree/include/linux/device.h)

use super::bus::{Adapter, Driver, DriverHandle};
use crate::abstractions::bindings;
use crate::abstractions::sysfs::{Attribute, SysfsOut};
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

impl<T: Driver> Adapter<T> {
    /// # Safety
    ///
    /// Called by sysfs for one of the attributes set up by
    /// [`super::Registration::new`] on a namespace bound to us, with `buf` a page.
    /// The driver core creates them after `probe` succeeded and removes
    /// them before `remove`, so drvdata is ours throughout.
    pub(super) unsafe extern "C" fn show(
        dev: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *mut kernel::ffi::c_char,
    ) -> isize {
        // SAFETY: every attribute of the group is an `IndexedAttr`.
        let ia = unsafe { kernel::container_of!(attr, IndexedAttr, attr) };
        // SAFETY: as above; the index was set at registration.
        let index = unsafe { (*ia).index };
        let Some(&attr) = T::Attr::ALL.get(index) else {
            return EINVAL.to_errno() as isize;
        };
        // SAFETY: `dev` is live while its attribute is being read.
        let ptr = unsafe { bindings::dpmem_dev_get_drvdata(dev) };
        if ptr.is_null() {
            return ENXIO.to_errno() as isize;
        }
        // SAFETY: drvdata is our `Pin<KBox<T::Data>>` while bound (see the
        // function's contract); it is only borrowed.
        let data = unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::borrow(ptr) };
        // SAFETY: `buf` is the sysfs page of this call.
        let mut out = unsafe { SysfsOut::new(buf) };
        match T::show(&data, attr, &mut out) {
            Ok(()) => out.len() as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by sysfs for the `format` attribute of our registered driver,
    /// with `buf` valid for `count` bytes.
    pub(super) unsafe extern "C" fn format_store(
        drv: *mut bindings::device_driver,
        buf: *const kernel::ffi::c_char,
        count: usize,
    ) -> isize {
        // SAFETY: `drv` is the `drv` field of our `nd_device_driver`,
        // which is registered while sysfs can call us.
        let nd = unsafe { kernel::container_of!(drv, bindings::nd_device_driver, drv) };
        // INVARIANT: points to our registered driver (see above).
        let handle = DriverHandle(nd.cast_mut());
        // SAFETY: sysfs passes `count` valid bytes.
        let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
        match T::format(&handle, input) {
            Ok(()) => count as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

/// Most attributes a [`Driver`] may show per bound namespace.
pub const MAX_DEV_ATTRS: usize = 12;

/// A device attribute that knows its index in [`Attribute::ALL`].
#[repr(C)]
pub(super) struct IndexedAttr {
    pub(super) attr: bindings::device_attribute,
    pub(super) index: usize,
}
