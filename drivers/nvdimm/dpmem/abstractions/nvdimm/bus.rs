// SPDX-License-Identifier: GPL-2.0

//! A driver for namespaces on the nd bus (`struct nd_device_driver`):
//! registration and the probe/remove/shutdown/notify trampolines. Its
//! sysfs attributes (a `format` command, read-only attributes under each
//! bound namespace) are in [`super::bus_attrs`].
//!
//! C header: [`include/linux/nd.h`](srctree/include/linux/nd.h)

use super::bus_attrs::{IndexedAttr, MAX_DEV_ATTRS};
use super::{Namespace, NamespaceRef};
use crate::abstractions::bindings;
use crate::abstractions::sysfs::{Attribute, SysfsOut};
use core::marker::PhantomData;
use kernel::c_str;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ForeignOwnable, Opaque};

/// The registered driver, as seen from its sysfs attributes.
///
/// # Invariants
///
/// Points to the registered `nd_device_driver` of a live [`Registration`].
pub struct DriverHandle(pub(super) *mut bindings::nd_device_driver);

impl DriverHandle {
    pub(super) fn as_driver(&self) -> *mut bindings::device_driver {
        // SAFETY: a field projection of the live driver struct.
        unsafe { &raw mut (*self.0).drv }
    }

    /// The device this driver's namespace claims name ([`super::claim`]).
    pub(super) fn claim_holder(&self) -> *mut bindings::device {
        // SAFETY: the driver struct is the first field of a live, pinned
        // `RawDriver` (type invariant; `repr(C)`).
        unsafe { (*self.0.cast::<RawDriver>()).claim_holder }
    }

    /// Binds the namespace to this driver (runs [`Driver::probe`]).
    pub fn attach(&self, ns: &NamespaceRef) -> Result {
        // SAFETY: both are live; the driver core takes the device lock.
        to_result(unsafe { bindings::device_driver_attach(self.as_driver(), ns.as_raw()) })
    }
}

/// What libnvdimm tells a bound driver (`enum nvdimm_event`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The region's poison list grew (ARS, or the NFIT machine-check
    /// handler found new poison at run time): reload the bad blocks.
    RevalidatePoison,
    /// The region's read-only state may have changed.
    RevalidateRegion,
}

/// A driver for IO and PMEM namespaces on the nd bus.
pub trait Driver {
    /// Per-binding state, owned by the bound device until `remove`.
    type Data: Send + Sync + 'static;

    /// Driver name as it appears under `/sys/bus/nd/drivers/`.
    const NAME: &'static CStr;

    /// Called with the device lock held when the bus offers a namespace.
    fn probe(drv: &DriverHandle, ns: &Namespace) -> Result<Pin<KBox<Self::Data>>>;

    /// Handles a write to `/sys/bus/nd/drivers/NAME/format`.
    fn format(drv: &DriverHandle, input: &[u8]) -> Result;

    /// Name of the attribute directory under each bound namespace.
    const ATTR_GROUP: &'static CStr;

    /// The read-only attributes in that directory (at most
    /// [`MAX_DEV_ATTRS`]).
    type Attr: Attribute;

    /// Shows attribute `attr` of a bound namespace.
    fn show(data: &Self::Data, attr: Self::Attr, out: &mut SysfsOut) -> Result;

    /// Called when the namespace is unbound; dropping `data` releases it.
    fn remove(ns: &Namespace, data: Pin<KBox<Self::Data>>) {
        let _ = ns;
        drop(data);
    }

    /// Called for each namespace added to the bus, before any driver is
    /// offered it (so nothing binds it meanwhile; its device lock is not
    /// held, see [`super::claim`]).
    fn added(drv: &DriverHandle, ns: &Namespace) {
        let _ = (drv, ns);
    }

    /// Called at system shutdown (reboot, power off) while bound.
    fn shutdown(ns: &Namespace, data: &Self::Data) {
        let _ = (ns, data);
    }

    /// Called with the device lock held when libnvdimm reports `event`
    /// on the region of a namespace bound to this driver.
    fn notify(ns: &Namespace, data: &Self::Data, event: Event) {
        let _ = (ns, data, event);
    }
}

/// Bus trampolines: the only place C calls into a [`Driver`].
pub(super) struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    /// # Safety
    ///
    /// Called by the nd bus with a live device whose type is in the
    /// driver's type mask (an IO or PMEM namespace, or a btt or pfn device
    /// of such a region), under the device lock.
    unsafe extern "C" fn probe(dev: *mut bindings::device) -> core::ffi::c_int {
        // SAFETY: `dev` is live during probe.
        if !unsafe { Namespace::is_namespace(dev) } {
            // A btt or pfn device: nd_pmem's, and no error.
            // SAFETY: the format is NUL-terminated and takes one
            // NUL-terminated string, the live device's registered name.
            unsafe {
                bindings::_printk(
                    c_str!("\x017dpmem %s: not a namespace, leaving it to nd_pmem\n").as_char_ptr(),
                    (*dev).kobj.name,
                )
            };
            return ENODEV.to_errno();
        }
        // SAFETY: an IO or PMEM namespace (checked above), alive during
        // probe.
        let ns = unsafe { Namespace::from_raw(dev) };
        // SAFETY: the driver core sets `dev->driver` to the driver it probes
        // with, ours: the `drv` field of our registered `nd_device_driver`.
        let nd = unsafe { kernel::container_of!((*dev).driver, bindings::nd_device_driver, drv) };
        // INVARIANT: our registered driver (see above).
        let drv = DriverHandle(nd.cast_mut());
        match T::probe(&drv, ns) {
            Ok(data) => {
                let ptr = data.into_foreign();
                // SAFETY: `dev` is live; drvdata is ours while bound.
                unsafe { bindings::dpmem_dev_set_drvdata(dev, ptr.cast_mut()) };
                0
            }
            // `nvdimm_bus_probe()` counts -EOPNOTSUPP as a bind (it
            // advances the region's seeds): whatever returned it (a kernel
            // helper such as nvdimm_namespace_common_probe()), it is a
            // refusal here.
            Err(e) if e.to_errno() == -(bindings::EOPNOTSUPP as i32) => EINVAL.to_errno(),
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by the nd bus, under the device lock, for a device that `probe`
    /// above bound successfully.
    unsafe extern "C" fn remove(dev: *mut bindings::device) {
        // SAFETY: `dev` is live and was bound by `probe`.
        let ns = unsafe { Namespace::from_raw(dev) };
        // SAFETY: as above; drvdata was set by `probe`.
        let ptr = unsafe { bindings::dpmem_dev_get_drvdata(dev) };
        // SAFETY: clearing our own drvdata on a live device.
        unsafe { bindings::dpmem_dev_set_drvdata(dev, core::ptr::null_mut()) };
        if ptr.is_null() {
            return;
        }
        // SAFETY: `ptr` came from `into_foreign` in `probe`, and this is the
        // only place that takes it back (remove runs once per bind).
        let data = unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::from_foreign(ptr) };
        T::remove(ns, data);
    }

    /// # Safety
    ///
    /// Called by the nd bus at system shutdown, under the device lock, for
    /// a device bound to us (`nvdimm_bus_shutdown` looks at `dev->driver`).
    unsafe extern "C" fn shutdown(dev: *mut bindings::device) {
        // SAFETY: `dev` is live and bound to us.
        let ns = unsafe { Namespace::from_raw(dev) };
        // SAFETY: as above; drvdata is ours while bound.
        let ptr = unsafe { bindings::dpmem_dev_get_drvdata(dev) };
        if ptr.is_null() {
            return;
        }
        // SAFETY: our `Pin<KBox<T::Data>>` while bound; the device lock
        // keeps `remove` from taking it back meanwhile. Only borrowed.
        let data = unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::borrow(ptr) };
        T::shutdown(ns, &data);
    }
}

impl<T: Driver> Adapter<T> {
    /// # Safety
    ///
    /// Called by the nd bus (`nd_device_notify`) under the device lock, for
    /// a device whose driver is ours, so bound by `probe` above.
    unsafe extern "C" fn notify(dev: *mut bindings::device, event: bindings::nvdimm_event) {
        let event = match event {
            bindings::nvdimm_event_NVDIMM_REVALIDATE_POISON => Event::RevalidatePoison,
            bindings::nvdimm_event_NVDIMM_REVALIDATE_REGION => Event::RevalidateRegion,
            _ => return,
        };
        // SAFETY: `dev` is live and bound to us.
        let ns = unsafe { Namespace::from_raw(dev) };
        // SAFETY: as above; drvdata is ours while bound.
        let ptr = unsafe { bindings::dpmem_dev_get_drvdata(dev) };
        if ptr.is_null() {
            return;
        }
        // SAFETY: our `Pin<KBox<T::Data>>` while bound; the device lock
        // keeps `remove` from taking it back meanwhile. Only borrowed.
        let data = unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::borrow(ptr) };
        T::notify(ns, &data, event);
    }
}

/// The driver struct and its sysfs attribute tables, pinned together.
#[repr(C)]
pub(super) struct RawDriver {
    drv: bindings::nd_device_driver,
    /// What namespace claims name: see [`super::claim`].
    claim_holder: *mut bindings::device,
    /// Tells [`Driver::added`] of namespaces as they are added to the bus.
    pub(super) bus_events: bindings::notifier_block,
    format_attr: bindings::driver_attribute,
    attrs: [*mut bindings::attribute; 2],
    group: bindings::attribute_group,
    groups: [*const bindings::attribute_group; 2],
    dev_attrs: [IndexedAttr; MAX_DEV_ATTRS],
    dev_attr_ptrs: [*mut bindings::attribute; MAX_DEV_ATTRS + 1],
    dev_group: bindings::attribute_group,
    dev_groups: [*const bindings::attribute_group; 2],
}

/// A registered nd bus driver; unregistered on drop (which unbinds every
/// namespace it holds, calling [`Driver::remove`]).
///
/// # Invariants
///
/// `raw.drv` is registered with the nd bus, and `raw` pinned in memory, for
/// as long as this value exists. `raw.claim_holder` is a device made by
/// `dpmem_claim_holder_alloc` that we hold a reference on; every namespace
/// claim naming it is released before it is put.
pub struct Registration<T: Driver> {
    raw: Pin<KBox<Opaque<RawDriver>>>,
    _driver: PhantomData<T>,
}

// SAFETY: the registration is only a handle to the pinned C driver struct,
// which the driver core synchronises; `T` is only used through functions.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: as above; no method of `&Registration` touches the struct.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// The registered driver.
    pub fn handle(&self) -> DriverHandle {
        // INVARIANT: `drv` is the first field of our registered, pinned
        // driver struct (type invariant).
        DriverHandle(self.raw.get().cast())
    }

    /// Registers `T` with the nd bus for IO and PMEM namespaces, with a
    /// write-only `format` driver attribute and `T::Attr::ALL` under each
    /// bound namespace.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        // A driver with more attributes does not build.
        const { assert!(T::Attr::ALL.len() <= MAX_DEV_ATTRS) };
        // SAFETY: all-zero is valid for these C structs: null pointers,
        // `None` callbacks, zero integers.
        let zeroed: RawDriver = unsafe { core::mem::zeroed() };
        let raw = KBox::pin(Opaque::new(zeroed), GFP_KERNEL)?;
        let p = raw.get();
        // SAFETY: `T::NAME` is NUL-terminated; a null result is refused.
        let holder = unsafe { bindings::dpmem_claim_holder_alloc(T::NAME.as_char_ptr()) };
        if holder.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `p` is ours and not yet visible to anyone.
        unsafe { (*p).claim_holder = holder };
        // SAFETY: `p` points to the pinned, not yet registered struct that
        // nobody else can see; the tables point into the same pinned
        // allocation, which lives until `drop` unregisters the driver.
        unsafe {
            (*p).format_attr.attr.name = c"format".as_ptr().cast();
            (*p).format_attr.attr.mode = 0o200;
            // Heap attributes need a static lockdep key (`sysfs_attr_init`).
            bindings::dpmem_sysfs_attr_init(&raw mut (*p).format_attr.attr);
            (*p).format_attr.store = Some(Adapter::<T>::format_store);
            (*p).attrs = [&raw mut (*p).format_attr.attr, core::ptr::null_mut()];
            (*p).group.attrs = (&raw mut (*p).attrs).cast();
            (*p).groups = [&raw const (*p).group, core::ptr::null()];
            (*p).drv.drv.name = T::NAME.as_char_ptr();
            (*p).drv.drv.groups = (&raw mut (*p).groups).cast();
            for (i, attr) in T::Attr::ALL.iter().enumerate() {
                let a = &raw mut (*p).dev_attrs[i];
                (*a).index = i;
                (*a).attr.attr.name = attr.name().as_char_ptr();
                (*a).attr.attr.mode = 0o444;
                bindings::dpmem_sysfs_attr_init(&raw mut (*a).attr.attr);
                (*a).attr.show = Some(Adapter::<T>::show);
                (*p).dev_attr_ptrs[i] = &raw mut (*a).attr.attr;
            }
            (*p).dev_group.name = T::ATTR_GROUP.as_char_ptr();
            (*p).dev_group.attrs = (&raw mut (*p).dev_attr_ptrs).cast();
            (*p).dev_groups = [&raw const (*p).dev_group, core::ptr::null()];
            (*p).drv.drv.dev_groups = (&raw mut (*p).dev_groups).cast();
            (*p).drv.type_ = (bindings::nd_driver_flags_ND_DRIVER_NAMESPACE_IO
                | bindings::nd_driver_flags_ND_DRIVER_NAMESPACE_PMEM)
                as kernel::ffi::c_ulong;
            (*p).drv.probe = Some(Adapter::<T>::probe);
            (*p).drv.remove = Some(Adapter::<T>::remove);
            (*p).drv.shutdown = Some(Adapter::<T>::shutdown);
            (*p).drv.notify = Some(Adapter::<T>::notify);
        }
        // SAFETY: the struct is fully initialised and stays pinned until
        // `drop` unregisters it; the module and name outlive it.
        to_result(unsafe {
            bindings::__nd_driver_register(
                &raw mut (*p).drv,
                module.as_ptr(),
                T::NAME.as_char_ptr(),
            )
        })
        .inspect_err(|_| {
            // SAFETY: registration can fail after `driver_attach` probed
            // (and claimed) namespaces: let go of those before the holder
            // is freed. The driver is not registered, so no new claims.
            unsafe {
                super::claim::let_go_of_all((*p).drv.drv.bus, holder);
                bindings::put_device(holder);
            }
        })?;
        // SAFETY: the bus is set by the registration above; the notifier
        // block is pinned with the driver and unregistered in `drop` before
        // anything it points to goes. A namespace added between the two
        // registrations is not seen by it (probe still claims it if dpmem
        // binds it).
        unsafe {
            (*p).bus_events.notifier_call = Some(super::claim::bus_event::<T>);
            if bindings::bus_register_notifier((*p).drv.drv.bus, &raw mut (*p).bus_events) != 0 {
                (*p).bus_events.notifier_call = None;
                pr_warn!("cannot watch the nd bus: namespaces added later are not claimed\n");
            }
            // Namespaces being added right now (asynchronously) are on the
            // bus once this returns: what the caller looks at next.
            bindings::nd_synchronize();
        }
        // INVARIANT: registered above, and `raw` is pinned.
        Ok(Self {
            raw,
            _driver: PhantomData,
        })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        let p = self.raw.get();
        // SAFETY: registered in `new` if the callback is set; afterwards no
        // event reaches us (the notifier chain waits for running callbacks).
        unsafe {
            if (*p).bus_events.notifier_call.is_some() {
                bindings::bus_unregister_notifier((*p).drv.drv.bus, &raw mut (*p).bus_events);
            }
        }
        // SAFETY: registered (type invariant); after this returns the bus
        // no longer calls into it, and every bound device was removed. The
        // bus pointer was set by registration and is not cleared by it.
        let bus = unsafe {
            bindings::driver_unregister(&raw mut (*p).drv.drv);
            (*p).drv.drv.bus
        };
        // SAFETY: unregistered, so nothing claims in its name any more; the
        // holder is freed only once no namespace names it (type invariant).
        unsafe {
            super::claim::let_go_of_all(bus, (*p).claim_holder);
            bindings::put_device((*p).claim_holder);
        }
    }
}
