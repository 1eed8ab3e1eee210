// SPDX-License-Identifier: GPL-2.0

//! libnvdimm's claim on a namespace (`nd_namespace_common.claim`).
//!
//! While a namespace's claim is set, `nvdimm_namespace_common_probe()`
//! refuses it to every driver of raw namespaces (nd_pmem included) and
//! sysfs refuses to change its size or uuid. libnvdimm's own claimants are
//! btt, pfn and dax devices; a [`Registration`]'s is a device of its own
//! that is only named, never registered, so the namespace's `holder`
//! attribute shows the driver's name. A claim outlives the binding (an
//! unbound namespace stays held, so `ndctl enable-namespace` cannot hand it
//! to another driver) until the driver lets go of it or is unregistered.
//!
//! Locking as in `drivers/nvdimm/claim.c`: a claim changes under the bus's
//! `reconfig_mutex` (`nvdimm_bus_lock`); btt, pfn and dax devices attach and
//! detach under it alone, so every read and change here takes it too. Ours
//! are also made under the namespace's device lock (which every
//! [`Namespace`] reference implies: probe, remove, or a
//! [`super::NamespaceGuard`]), taken first as `size_store()` does.
//!
//! C source: [`drivers/nvdimm/claim.c`](srctree/drivers/nvdimm/claim.c)

use super::bus::RawDriver;
use super::{Driver, DriverHandle, Namespace};
use crate::abstractions::bindings;
use kernel::prelude::*;
use kernel::str::CStr;

#[cfg(doc)]
use super::Registration;

/// Who holds a namespace's claim.
#[derive(Clone, Copy, Debug)]
pub enum Holder {
    /// Nobody: any driver of raw namespaces may bind it.
    Nobody,
    /// This driver.
    Us,
    /// A btt, pfn or dax device (or another driver), by name.
    Other(HolderName),
}

/// The name of a claiming device, copied while the claim was held (the
/// device may go away right after).
#[derive(Clone, Copy, Debug)]
pub struct HolderName {
    bytes: [u8; 32],
    len: usize,
}

impl HolderName {
    /// The name, cut to 32 bytes.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }
}

impl DriverHandle {
    /// Who holds `ns`.
    pub fn holder_of(&self, ns: &Namespace) -> Holder {
        let ours = self.claim_holder();
        // SAFETY: `ns` is live; under the bus lock the claim cannot change
        // and a claiming device stays alive (it detaches under that lock
        // before it goes), so its name may be read.
        unsafe {
            bindings::nvdimm_bus_lock(ns.as_raw());
            let claim = (*ns.as_ndns()).claim;
            let holder = if claim.is_null() {
                Holder::Nobody
            } else if claim == ours {
                Holder::Us
            } else {
                let mut name = HolderName {
                    bytes: [0; 32],
                    len: 0,
                };
                let kname = (*claim).kobj.name;
                if !kname.is_null() {
                    let src = CStr::from_char_ptr(kname).as_bytes();
                    name.len = src.len().min(name.bytes.len());
                    name.bytes[..name.len].copy_from_slice(&src[..name.len]);
                }
                Holder::Other(name)
            };
            bindings::nvdimm_bus_unlock(ns.as_raw());
            holder
        }
    }

    /// Claims `ns` for this driver (nothing if it already holds it);
    /// `EBUSY` if someone else does.
    pub fn hold(&self, ns: &Namespace) -> Result {
        let ours = self.claim_holder();
        // SAFETY: `ns` is live and under its device lock; the bus lock makes
        // the check and the store one step for every other claimant.
        unsafe {
            let ndns = ns.as_ndns();
            bindings::nvdimm_bus_lock(ns.as_raw());
            let claim = (*ndns).claim;
            if claim.is_null() {
                // INVARIANT: the claim holder outlives this claim: the
                // registration lets go of every claim before freeing it.
                (*ndns).claim = ours;
            }
            bindings::nvdimm_bus_unlock(ns.as_raw());
            if claim.is_null() || claim == ours {
                Ok(())
            } else {
                Err(EBUSY)
            }
        }
    }

    /// Gives up this driver's claim on `ns`, if it holds one.
    pub fn let_go(&self, ns: &Namespace) {
        // SAFETY: `ns` is live and under its device lock.
        unsafe { release_if_ours(ns.as_raw(), self.claim_holder()) };
    }
}

/// Clears the claim of the namespace `dev` if `holder` holds it.
///
/// # Safety
///
/// `dev` is a live IO or PMEM namespace under its device lock.
unsafe fn release_if_ours(dev: *mut bindings::device, holder: *mut bindings::device) {
    // SAFETY: per the contract; the bus lock orders this with every other
    // change of the claim.
    unsafe {
        let ndns = bindings::dpmem_to_ndns(dev);
        bindings::nvdimm_bus_lock(dev);
        if (*ndns).claim == holder {
            (*ndns).claim = core::ptr::null_mut();
        }
        bindings::nvdimm_bus_unlock(dev);
    }
}

/// Lets go of every namespace claim on `bus` that `holder` holds.
///
/// # Safety
///
/// `bus` is the nd bus; no new claim for `holder` can be made meanwhile
/// (its driver is unregistered).
pub(super) unsafe fn let_go_of_all(bus: *const bindings::bus_type, holder: *mut bindings::device) {
    if bus.is_null() {
        // Registration failed before the bus was set: nothing was probed.
        return;
    }
    let mut release = |dev| {
        // SAFETY: a live namespace under its device lock (the walker's
        // promise), as `release_if_ours` asks.
        unsafe { release_if_ours(dev, holder) }
    };
    // SAFETY: `bus` is the nd bus (contract).
    unsafe { super::devices::for_each_namespace_locked(bus, &mut release) };
}

/// The nd bus notifier of a [`Registration`] of `T`: hands each namespace
/// added to the bus to [`Driver::added`]. It runs in `device_add()` before
/// the bus offers the device to any driver, so a claim taken there keeps
/// every other driver's probe off it. The namespace's device lock is not
/// taken: the notifier chain's rwsem is held here, and the driver core
/// takes device locks first and that rwsem second (bind notifications),
/// so taking one here would invert the order; no driver can bind a
/// device that is still being added, which is what the lock would give.
///
/// # Safety
///
/// Called by the bus notifier chain with the `bus_events` block of a
/// registered [`RawDriver`] and, for `BUS_NOTIFY_*` events, the device.
pub(super) unsafe extern "C" fn bus_event<T: Driver>(
    nb: *mut bindings::notifier_block,
    action: kernel::ffi::c_ulong,
    data: *mut kernel::ffi::c_void,
) -> kernel::ffi::c_int {
    let dev = data.cast::<bindings::device>();
    if action != bindings::bus_notifier_event_BUS_NOTIFY_ADD_DEVICE as kernel::ffi::c_ulong
        || dev.is_null()
    {
        return bindings::NOTIFY_DONE as kernel::ffi::c_int;
    }
    // SAFETY: the device being added is live; the type check only reads it.
    if !unsafe { Namespace::is_namespace(dev) } {
        return bindings::NOTIFY_DONE as kernel::ffi::c_int;
    }
    // SAFETY: `nb` is the `bus_events` field of a registered, pinned
    // `RawDriver`, whose first field is the driver.
    let raw = unsafe { kernel::container_of!(nb, RawDriver, bus_events) };
    // INVARIANT: the driver of a live registration (see above).
    let drv = DriverHandle(raw.cast_mut().cast());
    // SAFETY: a live namespace, not yet offered to any driver (see above),
    // for the call.
    T::added(&drv, unsafe { Namespace::from_raw(dev) });
    bindings::NOTIFY_DONE as kernel::ffi::c_int
}
