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
        let ours = self.as_driver();
        // SAFETY: the driver is registered, so its bus is set.
        let bus = unsafe { (*ours).bus };
        let mut visit = |dev: *mut bindings::device| {
            // SAFETY: a live namespace under its device lock (the walker's
            // promise), so it stays bound to its driver for the call.
            unsafe {
                let drv = (*dev).driver;
                if !drv.is_null() && drv != ours {
                    f(Namespace::from_raw(dev));
                }
            }
        };
        // SAFETY: the nd bus, registered while libnvdimm is loaded.
        unsafe { for_each_namespace_locked(bus, &mut visit) };
    }
}

/// Calls `f` with every IO or PMEM namespace device on `bus`, each live and
/// under its device lock for the call (the bus iterator holds a reference;
/// no other lock is held).
///
/// # Safety
///
/// `bus` is the nd bus, registered for the call.
pub(super) unsafe fn for_each_namespace_locked(
    bus: *const bindings::bus_type,
    f: &mut dyn FnMut(*mut bindings::device),
) {
    let mut f = f;
    // SAFETY: per the contract; `f` outlives the call, and the callback
    // matches the iterator's contract.
    unsafe {
        bindings::bus_for_each_dev(
            bus,
            core::ptr::null_mut(),
            core::ptr::from_mut(&mut f).cast(),
            Some(visit_namespace),
        )
    };
}

/// `bus_for_each_dev` callback of [`for_each_namespace_locked`].
///
/// # Safety
///
/// Called by `bus_for_each_dev` with a live device and the
/// `&mut &mut dyn FnMut` passed to it.
unsafe extern "C" fn visit_namespace(
    dev: *mut bindings::device,
    data: *mut kernel::ffi::c_void,
) -> kernel::ffi::c_int {
    // SAFETY: `dev` is live (the iterator holds a reference).
    if !unsafe { Namespace::is_namespace(dev) } {
        return 0;
    }
    // SAFETY: `data` is the walker's `&mut dyn FnMut` (contract).
    let f = unsafe { &mut *data.cast::<&mut dyn FnMut(*mut bindings::device)>() };
    // SAFETY: a live namespace, locked for the call as promised.
    unsafe { bindings::dpmem_device_lock(dev) };
    f(dev);
    // SAFETY: locked above.
    unsafe { bindings::dpmem_device_unlock(dev) };
    0
}
