// SPDX-License-Identifier: GPL-2.0

//! The namespaces on the nd bus, as a registered driver finds them: by
//! name (the `format` file), or every one another driver is bound to (at
//! load, [`crate::driver`] looks for dpmem namespaces among them).
//!
//! C header: [`include/linux/device/bus.h`](srctree/include/linux/device/bus.h)

use super::{DriverHandle, Namespace, NamespaceRef};
use crate::abstractions::bindings;
use core::ptr::NonNull;

impl DriverHandle {
    /// Finds an IO or PMEM namespace of the nd bus by device name.
    pub fn find_namespace(&self, name: &str) -> Option<NamespaceRef> {
        let cname = kernel::str::CString::try_from_fmt(format_args!("{name}")).ok()?;
        // SAFETY: the driver is registered, so its bus is set; `cname` is
        // NUL-terminated. The result is referenced or null.
        let dev = unsafe {
            bindings::dpmem_bus_find_device_by_name(self.as_driver(), cname.as_char_ptr())
        };
        let dev = NonNull::new(dev)?;
        // SAFETY: both are live; the bus's match and the type check only
        // read them.
        let ours = unsafe {
            bindings::dpmem_bus_match(self.as_driver(), dev.as_ptr())
                && Namespace::is_namespace(dev.as_ptr())
        };
        if !ours {
            // SAFETY: the reference `bus_find_device_by_name` took.
            unsafe { bindings::put_device(dev.as_ptr()) };
            return None;
        }
        // SAFETY: a referenced IO or PMEM namespace (checked above); the
        // reference is handed over.
        Some(unsafe { NamespaceRef::from_raw(dev) })
    }

    /// Calls `f` for every IO and PMEM namespace of the bus that another
    /// driver is bound to, under the namespace's device lock (so it stays
    /// bound to that driver during the call).
    pub fn for_each_bound_elsewhere(&self, mut f: impl FnMut(&Namespace)) {
        let mut visit = BoundElsewhere {
            ours: self.as_driver(),
            f: &mut f,
        };
        // SAFETY: the driver is registered, so its bus is set; the callback
        // matches the iterator's contract and `visit` outlives the call.
        unsafe {
            bindings::bus_for_each_dev(
                (*self.as_driver()).bus,
                core::ptr::null_mut(),
                core::ptr::from_mut(&mut visit).cast(),
                Some(visit_bound_elsewhere),
            )
        };
    }
}

/// What [`DriverHandle::for_each_bound_elsewhere`] passes its callback.
struct BoundElsewhere<'a> {
    ours: *mut bindings::device_driver,
    f: &'a mut dyn FnMut(&Namespace),
}

/// `bus_for_each_dev` callback of [`DriverHandle::for_each_bound_elsewhere`].
///
/// # Safety
///
/// Called by `bus_for_each_dev` with a live device of the nd bus and the
/// `BoundElsewhere` passed to it.
unsafe extern "C" fn visit_bound_elsewhere(
    dev: *mut bindings::device,
    data: *mut kernel::ffi::c_void,
) -> kernel::ffi::c_int {
    // SAFETY: `dev` is live (the iterator holds a reference).
    if !unsafe { Namespace::is_namespace(dev) } {
        return 0;
    }
    // SAFETY: `data` is the caller's `BoundElsewhere` (contract).
    let visit = unsafe { &mut *data.cast::<BoundElsewhere<'_>>() };
    // SAFETY: a live namespace; under its device lock its driver cannot
    // change, so the namespace view given to `f` is one of a namespace
    // bound elsewhere for the whole call.
    unsafe {
        bindings::dpmem_device_lock(dev);
        let drv = (*dev).driver;
        if !drv.is_null() && drv != visit.ours {
            (visit.f)(Namespace::from_raw(dev));
        }
        bindings::dpmem_device_unlock(dev);
    }
    0
}
