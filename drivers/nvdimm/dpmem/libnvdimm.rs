// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for the parts of libnvdimm (the nd bus) dpmem uses: driver
//! registration for namespace devices, and the namespace device itself.
//!
//! C header: [`include/linux/nd.h`](srctree/include/linux/nd.h)

use crate::bindings;
use crate::block;
use crate::pmem::{MemClaim, Region};
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
    /// `KERN_DEBUG`
    Debug,
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

    /// Runs `f` with byte access to the first `size` bytes of the namespace
    /// (libnvdimm's badblock-aware `rw_bytes`; writes are flushed), then
    /// tears the access down again. The caller holds the device lock: it
    /// is in probe, or holds a [`NamespaceGuard`].
    ///
    /// The access is set up inside a devres group that is released before
    /// returning, on success and on failure alike. `devm_namespace_enable`
    /// can fail half way, and on the format path the device is not being
    /// probed, so nothing else would release what it had taken (the region
    /// would stay reserved and the next probe would find devres left over).
    pub fn with_metadata<R>(
        &self,
        size: u64,
        f: impl FnOnce(&Metadata<'_>) -> Result<R>,
    ) -> Result<R> {
        let dev = self.as_raw();
        // SAFETY: the device is a live namespace (type invariant).
        let ndns = unsafe { bindings::dpmem_to_ndns(dev) };
        // SAFETY: `dev` is live and locked by the caller; a null id asks
        // devres to make one.
        let group = unsafe {
            bindings::devres_open_group(dev, core::ptr::null_mut(), bindings::GFP_KERNEL)
        };
        if group.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `ndns` belongs to `dev`, locked by the caller; whatever it
        // acquires is in `group`, released below before the lock is dropped.
        let r =
            to_result(unsafe { bindings::devm_namespace_enable(dev, ndns, size) }).and_then(|()| {
                let md = Metadata {
                    ndns,
                    size,
                    _ns: PhantomData,
                };
                f(&md)
            });
        // SAFETY: `group` was opened above on `dev`; releasing it unmaps the
        // namespace head, frees the badblocks and releases the region.
        unsafe { bindings::devres_release_group(dev, group) };
        r
    }

    /// The namespace's own uuid (all zero for label-less namespaces).
    pub fn parent_uuid(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: the device is a live namespace; `out` has 16 bytes.
        unsafe { bindings::dpmem_ns_parent_uuid(self.as_raw(), out.as_mut_ptr()) };
        out
    }

    /// Name of the driver bound to the namespace, if any.
    pub fn driver_name(&self) -> Option<&CStr> {
        // SAFETY: the device is live; the caller holds the device lock (or
        // is in probe), so the driver cannot change under us, and driver
        // names are static strings of registered drivers.
        let p = unsafe { bindings::dpmem_dev_driver_name(self.as_raw()) };
        // SAFETY: non-null `p` is a NUL-terminated driver name (see above).
        (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p) })
    }

    /// Name of the btt/pfn/dax device claiming the namespace, if any.
    pub fn claimed_by(&self) -> Option<&CStr> {
        // SAFETY: the device is live and locked by the caller.
        let p = unsafe { bindings::dpmem_ns_claimed_by(self.as_raw()) };
        // SAFETY: non-null `p` is the claiming device's name, live while the
        // claim holds, which the device lock keeps stable.
        (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p) })
    }

    /// The nvdimm region the namespace belongs to.
    pub fn region(&self) -> Result<Region> {
        // SAFETY: the device is a live namespace (type invariant).
        unsafe { Region::of_namespace(self.as_raw()) }
    }

    /// Claims `[start, start + len)` of physical memory in the namespace's
    /// name (`request_mem_region`); EBUSY if it is taken.
    pub fn claim(&self, start: u64, len: u64) -> Result<MemClaim> {
        // SAFETY: the device is live (type invariant).
        unsafe { MemClaim::new(self.as_raw(), start, len) }
    }

    /// NUMA node of the namespace.
    pub fn numa_node(&self) -> i32 {
        // SAFETY: the device is live (type invariant).
        unsafe { bindings::dpmem_dev_to_node(self.as_raw()) }
    }

    /// Registers `disk` with the block layer as a child of this namespace,
    /// so `ndctl list` shows it as the namespace's block device.
    pub fn add_disk<T: block::Operations>(&self, disk: &mut block::Disk<T>) -> Result {
        // SAFETY: the device is live; `device_add_disk` takes its own
        // reference on the parent, held until the disk is deleted.
        unsafe { disk.add(self.as_raw()) }
    }

    /// Logs a message prefixed with `dpmem <device>:`, like `dev_err()` of
    /// a bound device prints. Not `_dev_printk`: that prefixes with the
    /// bus name while the namespace is not bound to us (format path).
    pub fn log(&self, level: Level, args: fmt::Arguments<'_>) {
        let format: &[u8] = match level {
            Level::Err => b"\x013dpmem %s: %pA\0",
            Level::Warning => b"\x014dpmem %s: %pA\0",
            Level::Info => b"\x016dpmem %s: %pA\0",
            Level::Debug => b"\x017dpmem %s: %pA\0",
        };
        // SAFETY: the format is NUL-terminated; `%s` gets the NUL-terminated
        // device name and `%pA` one `fmt::Arguments` pointer, both used only
        // during the call.
        unsafe {
            bindings::_printk(
                format.as_ptr().cast(),
                self.name().as_char_ptr(),
                core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
            )
        };
    }
}

/// Byte access to the head of a namespace, valid inside
/// [`Namespace::with_metadata`].
///
/// # Invariants
///
/// `ndns` has `rw_bytes` enabled for `[0, size)` for the lifetime `'a`.
pub struct Metadata<'a> {
    ndns: *mut bindings::nd_namespace_common,
    size: u64,
    _ns: PhantomData<&'a Namespace>,
}

impl Metadata<'_> {
    fn rw(&self, offset: u64, buf: *mut u8, len: usize, write: bool) -> Result {
        let end = offset.checked_add(len as u64).ok_or(EINVAL)?;
        if end > self.size {
            return Err(EINVAL);
        }
        // SAFETY: access is enabled for `[0, size)` (type invariant) and the
        // range is inside it; `buf` is valid for `len` bytes (callers pass
        // slices).
        to_result(unsafe { bindings::dpmem_ns_rw_bytes(self.ndns, offset, buf.cast(), len, write) })
    }

    /// Reads `buf.len()` bytes at `offset`; EIO on a bad block.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result {
        self.rw(offset, buf.as_mut_ptr(), buf.len(), false)
    }

    /// Writes `buf` at `offset` durably (clears poison it overwrites).
    pub fn write(&self, offset: u64, buf: &[u8]) -> Result {
        // `rw_bytes` takes a mutable pointer but only reads from it on write.
        self.rw(offset, buf.as_ptr().cast_mut(), buf.len(), true)
    }
}

/// The buffer of a sysfs `show` call.
///
/// # Invariants
///
/// `buf` is the page sysfs passed to `show`; `len` bytes of it are used.
pub struct SysfsOut {
    buf: *mut kernel::ffi::c_char,
    len: i32,
}

impl SysfsOut {
    /// Appends formatted text (truncated at the page end, as `sysfs_emit`).
    pub fn emit(&mut self, args: fmt::Arguments<'_>) {
        // SAFETY: `buf` is the sysfs page (type invariant) and `len` is
        // within it; `%pA` formats `args` during the call only.
        let n = unsafe {
            bindings::sysfs_emit_at(
                self.buf,
                self.len,
                c"%pA".as_ptr().cast(),
                core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
            )
        };
        self.len += n;
    }
}

/// `emit!(out, "...", args)`: formatted output for a sysfs `show`.
#[macro_export]
macro_rules! emit {
    ($out:expr, $($arg:tt)*) => {
        $out.emit(format_args!($($arg)*))
    };
}

/// A reference to a namespace device found on the nd bus.
///
/// # Invariants
///
/// Holds a reference (`get_device`) on an IO or PMEM namespace device,
/// dropped with `put_device`.
pub struct NamespaceRef(*mut bindings::device);

impl NamespaceRef {
    /// Takes the device lock (the driver core's; probe and remove run
    /// under it).
    pub fn lock(&self) -> NamespaceGuard<'_> {
        // SAFETY: we hold a reference, so the device is live.
        unsafe { bindings::dpmem_device_lock(self.0) };
        NamespaceGuard(self)
    }
}

impl Drop for NamespaceRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken by `find_namespace`.
        unsafe { bindings::put_device(self.0) };
    }
}

/// A locked namespace; unlocked on drop.
pub struct NamespaceGuard<'a>(&'a NamespaceRef);

impl core::ops::Deref for NamespaceGuard<'_> {
    type Target = Namespace;

    fn deref(&self) -> &Namespace {
        // SAFETY: the reference keeps the device alive and it is an IO or
        // PMEM namespace (`NamespaceRef` invariant).
        unsafe { Namespace::from_raw(self.0 .0) }
    }
}

impl Drop for NamespaceGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: locked in `NamespaceRef::lock`.
        unsafe { bindings::dpmem_device_unlock(self.0 .0) };
    }
}

/// A fresh random (version 4) uuid.
pub fn random_uuid() -> [u8; 16] {
    let mut out = [0u8; 16];
    // SAFETY: `out` has 16 bytes.
    unsafe { bindings::dpmem_uuid_gen(out.as_mut_ptr()) };
    out
}

/// The registered driver, as seen from its sysfs attributes.
///
/// # Invariants
///
/// Points to the registered `nd_device_driver` of a live [`Registration`].
pub struct DriverHandle(*mut bindings::nd_device_driver);

impl DriverHandle {
    fn as_driver(&self) -> *mut bindings::device_driver {
        // SAFETY: a field projection of the live driver struct.
        unsafe { &raw mut (*self.0).drv }
    }

    /// Finds an IO or PMEM namespace of the nd bus by device name.
    pub fn find_namespace(&self, name: &str) -> Option<NamespaceRef> {
        let cname = kernel::str::CString::try_from_fmt(format_args!("{name}")).ok()?;
        // SAFETY: the driver is registered, so its bus is set; `cname` is
        // NUL-terminated. The result is referenced or null.
        let dev = unsafe {
            bindings::dpmem_bus_find_device_by_name(self.as_driver(), cname.as_char_ptr())
        };
        if dev.is_null() {
            return None;
        }
        // INVARIANT: referenced above; checked to be of a type our driver
        // matches (IO or PMEM namespace) before it is wrapped.
        let r = NamespaceRef(dev);
        // SAFETY: both are live; the bus's match only reads them.
        if unsafe { bindings::dpmem_bus_match(self.as_driver(), dev) } {
            Some(r)
        } else {
            None
        }
    }

    /// Binds the namespace to this driver (runs [`Driver::probe`]).
    pub fn attach(&self, ns: &NamespaceRef) -> Result {
        // SAFETY: both are live; the driver core takes the device lock.
        to_result(unsafe { bindings::device_driver_attach(self.as_driver(), ns.0) })
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

    /// Handles a write to `/sys/bus/nd/drivers/NAME/format`.
    fn format(drv: &DriverHandle, input: &[u8]) -> Result;

    /// Name of the attribute directory under each bound namespace.
    const ATTR_GROUP: &'static CStr;

    /// Read-only attributes in that directory (at most [`MAX_DEV_ATTRS`]).
    const ATTRS: &'static [&'static CStr];

    /// Shows attribute `ATTRS[index]` of a bound namespace.
    fn show(data: &Self::Data, index: usize, out: &mut SysfsOut) -> Result;

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

impl<T: Driver> Adapter<T> {
    /// # Safety
    ///
    /// Called by sysfs for one of the attributes set up by
    /// [`Registration::new`] on a namespace bound to us, with `buf` a page.
    /// The driver core creates them after `probe` succeeded and removes
    /// them before `remove`, so drvdata is ours throughout.
    unsafe extern "C" fn show(
        dev: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *mut kernel::ffi::c_char,
    ) -> isize {
        // SAFETY: every attribute of the group is an `IndexedAttr`.
        let ia = unsafe { kernel::container_of!(attr, IndexedAttr, attr) };
        // SAFETY: as above; the index was set at registration.
        let index = unsafe { (*ia).index };
        // SAFETY: `dev` is live while its attribute is being read.
        let ptr = unsafe { bindings::dpmem_dev_get_drvdata(dev) };
        if ptr.is_null() {
            return ENXIO.to_errno() as isize;
        }
        // SAFETY: drvdata is our `Pin<KBox<T::Data>>` while bound (see the
        // function's contract); it is only borrowed.
        let data = unsafe { <Pin<KBox<T::Data>> as ForeignOwnable>::borrow(ptr) };
        // INVARIANT: `buf` is the sysfs page.
        let mut out = SysfsOut { buf, len: 0 };
        match T::show(&data, index, &mut out) {
            Ok(()) => out.len as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by sysfs for the `format` attribute of our registered driver,
    /// with `buf` valid for `count` bytes.
    unsafe extern "C" fn format_store(
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
pub const MAX_DEV_ATTRS: usize = 8;

/// A device attribute that knows its index in [`Driver::ATTRS`].
#[repr(C)]
struct IndexedAttr {
    attr: bindings::device_attribute,
    index: usize,
}

/// The driver struct and its sysfs attribute tables, pinned together.
#[repr(C)]
struct RawDriver {
    drv: bindings::nd_device_driver,
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
/// as long as this value exists.
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
    /// Registers `T` with the nd bus for IO and PMEM namespaces, with a
    /// write-only `format` driver attribute and `T::ATTRS` under each bound
    /// namespace.
    pub fn new(module: &'static ThisModule) -> Result<Self> {
        if T::ATTRS.len() > MAX_DEV_ATTRS {
            return Err(EINVAL);
        }
        // SAFETY: all-zero is valid for these C structs: null pointers,
        // `None` callbacks, zero integers.
        let zeroed: RawDriver = unsafe { core::mem::zeroed() };
        let raw = KBox::pin(Opaque::new(zeroed), GFP_KERNEL)?;
        let p = raw.get();
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
            for (i, name) in T::ATTRS.iter().enumerate() {
                let a = &raw mut (*p).dev_attrs[i];
                (*a).index = i;
                (*a).attr.attr.name = name.as_char_ptr();
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
        }
        // SAFETY: the struct is fully initialised and stays pinned until
        // `drop` unregisters it; the module and name outlive it.
        to_result(unsafe {
            bindings::__nd_driver_register(
                &raw mut (*p).drv,
                module.as_ptr(),
                T::NAME.as_char_ptr(),
            )
        })?;
        // INVARIANT: registered above, and `raw` is pinned.
        Ok(Self {
            raw,
            _driver: PhantomData,
        })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); after this returns the bus
        // no longer calls into it, and every bound device was removed.
        unsafe { bindings::driver_unregister(&raw mut (*self.raw.get()).drv.drv) };
    }
}
