// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for the parts of libnvdimm (the nd bus) dpmem uses: driver
//! registration for namespace devices, and the namespace device itself.
//!
//! C header: [`include/linux/nd.h`](srctree/include/linux/nd.h)

use crate::bindings;
use core::fmt;
use core::marker::PhantomData;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ForeignOwnable, Opaque};

/// A namespace device (`struct nd_namespace_common::dev`) of type IO or PMEM.
///
/// # Invariants
///
/// The wrapped `struct device` is the `common.dev` of a live
/// `struct nd_namespace_io` (embedded in `struct nd_namespace_pmem` for PMEM
/// namespaces), for at least the lifetime of any `&Namespace`.
#[repr(transparent)]
pub struct Namespace(Opaque<bindings::device>);

/// Physical placement of a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamespaceResource {
    /// First byte, physical address.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
}

/// Kernel log levels for [`Namespace::log`].
#[derive(Clone, Copy)]
pub enum Level {
    /// `KERN_ERR`
    Err,
    /// `KERN_WARNING`
    Warning,
    /// `KERN_INFO`
    Info,
}

impl Namespace {
    /// # Safety
    ///
    /// `dev` must be the device of a live IO or PMEM namespace that stays
    /// alive for `'a`.
    unsafe fn from_raw<'a>(dev: *mut bindings::device) -> &'a Self {
        // SAFETY: `Namespace` is a transparent wrapper of `struct device`; the
        // caller guarantees the pointer is valid for `'a`.
        unsafe { &*dev.cast::<Self>() }
    }

    fn as_raw(&self) -> *mut bindings::device {
        self.0.get()
    }

    /// The device name, e.g. `namespace0.0`.
    pub fn name(&self) -> &CStr {
        // SAFETY: by the type invariant the device is registered, so its
        // kobject name is set (that is what `dev_name()` returns then) and
        // lives as long as the device.
        unsafe { CStr::from_char_ptr((*self.as_raw()).kobj.name) }
    }

    /// The namespace's physical range.
    pub fn resource(&self) -> NamespaceResource {
        let (mut start, mut size) = (0u64, 0u64);
        // SAFETY: by the type invariant the device is embedded in a
        // `struct nd_namespace_io`, which is what the helper expects.
        unsafe { bindings::dpmem_namespace_resource(self.as_raw(), &mut start, &mut size) };
        NamespaceResource { start, size }
    }

    /// libnvdimm's common checks before a driver takes a namespace: not
    /// claimed by btt/pfn/dax, not locked, large enough, aligned for
    /// `memremap_pages`.
    pub fn common_probe(&self) -> Result {
        // SAFETY: the device is a live namespace (type invariant); the call
        // only reads it and returns an ERR_PTR or the namespace.
        let ndns = unsafe { bindings::nvdimm_namespace_common_probe(self.as_raw()) };
        // SAFETY: `IS_ERR` only inspects the pointer value.
        if unsafe { bindings::dpmem_is_err(ndns.cast()) } {
            // SAFETY: as above, for `PTR_ERR`.
            let err = unsafe { bindings::dpmem_ptr_err(ndns.cast()) };
            // `PTR_ERR` values are in [-MAX_ERRNO, -1], within `c_int`.
            return to_result(err as i32);
        }
        Ok(())
    }

    /// Logs a message prefixed with the driver and device name, like
    /// `dev_info()`/`dev_err()` do.
    pub fn log(&self, level: Level, args: fmt::Arguments<'_>) {
        let prefix: &[u8] = match level {
            Level::Err => bindings::KERN_ERR,
            Level::Warning => bindings::KERN_WARNING,
            Level::Info => bindings::KERN_INFO,
        };
        // SAFETY: `prefix` and the format are NUL-terminated; `%pA` consumes
        // one `fmt::Arguments` pointer, which is what we pass, and it is
        // only used during the call. The device is live (type invariant).
        unsafe {
            bindings::_dev_printk(
                prefix.as_ptr().cast(),
                self.as_raw(),
                c"%pA".as_ptr().cast(),
                core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
            )
        };
    }
}

/// Logs to the kernel log with the namespace as device prefix.
#[macro_export]
macro_rules! ns_log {
    ($ns:expr, $lvl:ident, $($arg:tt)*) => {
        $ns.log($crate::libnvdimm::Level::$lvl, format_args!($($arg)*))
    };
}

/// A driver for IO and PMEM namespaces on the nd bus.
pub trait Driver {
    /// Per-binding state, owned by the bound device until `remove`.
    type Data: Send + Sync + 'static;

    /// Driver name as it appears under `/sys/bus/nd/drivers/`.
    const NAME: &'static CStr;

    /// Called with the device lock held when the bus offers a namespace.
    fn probe(ns: &Namespace) -> Result<Pin<KBox<Self::Data>>>;

    /// Called when the namespace is unbound; dropping `data` releases it.
    fn remove(ns: &Namespace, data: Pin<KBox<Self::Data>>) {
        let _ = ns;
        drop(data);
    }
}

/// Bus trampolines: the only place C calls into a [`Driver`].
struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    /// # Safety
    ///
    /// Called by the nd bus with a live namespace device whose type is in the
    /// driver's type mask (IO or PMEM), under the device lock.
    unsafe extern "C" fn probe(dev: *mut bindings::device) -> core::ffi::c_int {
        // SAFETY: the bus only matches devices of our type mask, which are
        // IO or PMEM namespaces, alive during probe.
        let ns = unsafe { Namespace::from_raw(dev) };
        match T::probe(ns) {
            Ok(data) => {
                let ptr = data.into_foreign();
                // SAFETY: `dev` is live; drvdata is ours while bound.
                unsafe { bindings::dpmem_dev_set_drvdata(dev, ptr.cast_mut()) };
                0
            }
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
}

/// A registered nd bus driver; unregistered on drop (which unbinds every
/// namespace it holds, calling [`Driver::remove`]).
///
/// # Invariants
///
/// `drv` is registered with the nd bus and pinned in memory for as long as
/// this value exists.
pub struct Registration<T: Driver> {
    drv: Pin<KBox<Opaque<bindings::nd_device_driver>>>,
    _driver: PhantomData<T>,
}

// SAFETY: the registration is only a handle to the pinned C driver struct,
// which the driver core synchronises; `T` is only used through functions.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: as above; no method of `&Registration` touches the struct.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers `T` with the nd bus for IO and PMEM namespaces.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: an all-zero `nd_device_driver` is valid: pointers null,
        // callbacks `None`, integers zero.
        let raw: bindings::nd_device_driver = unsafe { core::mem::zeroed() };
        let drv = KBox::pin(Opaque::new(raw), GFP_KERNEL)?;
        let p = drv.get();
        // SAFETY: `p` points to the pinned, not yet registered struct, which
        // nobody else can see yet.
        unsafe {
            (*p).drv.name = T::NAME.as_char_ptr();
            (*p).type_ = (bindings::nd_driver_flags_ND_DRIVER_NAMESPACE_IO
                | bindings::nd_driver_flags_ND_DRIVER_NAMESPACE_PMEM)
                as kernel::ffi::c_ulong;
            (*p).probe = Some(Adapter::<T>::probe);
            (*p).remove = Some(Adapter::<T>::remove);
        }
        // SAFETY: `p` is a fully initialised driver struct that stays pinned
        // until `drop` unregisters it; the module and name outlive it.
        to_result(unsafe {
            bindings::__nd_driver_register(p, module.as_ptr(), T::NAME.as_char_ptr())
        })?;
        // INVARIANT: registered above, and `drv` is pinned.
        Ok(Self {
            drv,
            _driver: PhantomData,
        })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); after this returns the bus
        // no longer calls into it, and every bound device was removed.
        unsafe { bindings::driver_unregister(&raw mut (*self.drv.get()).drv) };
    }
}
