// SPDX-License-Identifier: GPL-2.0

//! A namespace device on the nd bus (IO or PMEM): its resource and uuid,
//! byte access to its head for metadata, its region, the disk on it, and
//! log messages prefixed with its name.
//!
//! C header: [`include/linux/nd.h`](srctree/include/linux/nd.h)

use super::Region;
use crate::abstractions::bindings;
use crate::abstractions::block::{GenDisk, Operations};
use crate::abstractions::resource::MemClaim;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::device::Device;
use kernel::error::{from_err_ptr, to_result};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ARef, Opaque};

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
    /// Whether `dev` is an IO or PMEM namespace. The nd bus offers a
    /// region's btt and pfn devices to namespace drivers too (nd_pmem
    /// serves them); they are not namespaces and must never be viewed as
    /// one.
    ///
    /// # Safety
    ///
    /// `dev` is a live device.
    pub(in crate::abstractions) unsafe fn is_namespace(dev: *mut bindings::device) -> bool {
        // SAFETY: per the contract; the helper only reads the device type.
        unsafe { bindings::dpmem_is_namespace(dev) }
    }

    /// # Safety
    ///
    /// `dev` must be the device of a live IO or PMEM namespace (see
    /// [`Namespace::is_namespace`]) that stays alive for `'a`.
    pub(in crate::abstractions) unsafe fn from_raw<'a>(dev: *mut bindings::device) -> &'a Self {
        // SAFETY: `Namespace` is a transparent wrapper of `struct device`; the
        // caller guarantees the pointer is valid for `'a`.
        unsafe { &*dev.cast::<Self>() }
    }

    pub(in crate::abstractions) fn as_raw(&self) -> *mut bindings::device {
        self.0.get()
    }

    pub(in crate::abstractions) fn as_ndns(&self) -> *mut bindings::nd_namespace_common {
        // SAFETY: the device is the `dev` of a live namespace's common part
        // (type invariant); the helper is `to_ndns()`.
        unsafe { bindings::dpmem_to_ndns(self.as_raw()) }
    }

    /// The namespace as a device of the driver core.
    pub fn as_device(&self) -> &Device {
        // SAFETY: the device is live for as long as `self` is borrowed
        // (type invariant).
        unsafe { Device::as_ref(self.as_raw()) }
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
        from_err_ptr(unsafe { bindings::nvdimm_namespace_common_probe(self.as_raw()) })?;
        Ok(())
    }

    /// What [`Namespace::common_probe`] checks besides the claim, for a
    /// namespace this driver holds (which that function refuses as
    /// claimed): its DIMMs are unlocked (`EACCES`), it has a capacity and,
    /// if it is a labelled PMEM namespace, a uuid (`ENODEV`).
    pub fn checks_when_held(&self) -> Result {
        let ndns = self.as_ndns();
        // SAFETY: a live namespace (type invariant); these only read it.
        let (locked, capacity, uuid) = unsafe {
            (
                bindings::nvdimm_namespace_locked(ndns),
                bindings::nvdimm_namespace_capacity(ndns),
                bindings::nd_dev_to_uuid(self.as_raw()),
            )
        };
        if locked {
            return Err(EACCES);
        }
        if capacity < u64::from(bindings::DPMEM_ND_MIN_NAMESPACE_SIZE) || uuid.is_null() {
            return Err(ENODEV);
        }
        Ok(())
    }

    /// Whether the administrator asked for the namespace as a raw device
    /// whatever its metadata says (`force_raw`; ndctl sets it to zero an
    /// info block before giving a namespace another mode).
    pub fn force_raw(&self) -> bool {
        // SAFETY: a live namespace (type invariant); an int that sysfs
        // writes without a lock: a racing write is seen now or at the next
        // probe, either of which is the administrator's order.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_ndns()).force_raw) != 0 }
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

    /// The nvdimm region the namespace belongs to.
    pub fn region(&self) -> Result<Region> {
        Region::of_namespace(self)
    }

    /// Claims `[start, start + len)` of physical memory in the namespace's
    /// name (`request_mem_region`); EBUSY if it is taken.
    pub fn claim(&self, start: u64, len: u64) -> Result<MemClaim> {
        MemClaim::new(self.as_device(), start, len)
    }

    /// NUMA node of the namespace.
    pub fn numa_node(&self) -> i32 {
        // SAFETY: the device is live (type invariant).
        unsafe { bindings::dpmem_dev_to_node(self.as_raw()) }
    }

    /// Registers `disk` with the block layer as a child of this namespace,
    /// so `ndctl list` shows it as the namespace's block device, and makes
    /// it read-only if the region is.
    pub fn add_disk<T: Operations>(&self, disk: &mut GenDisk<T>) -> Result {
        // SAFETY: the device is live; `device_add_disk` takes its own
        // reference on the parent, held until the disk is deleted.
        unsafe { disk.add(self.as_raw()) }?;
        Self::sync_read_only(disk);
        Ok(())
    }

    /// Catches a disk added by [`Namespace::add_disk`] up with its region's
    /// read-only state (`nvdimm_check_and_set_ro`, which logs a change).
    pub fn sync_read_only<T: Operations>(disk: &GenDisk<T>) {
        if !disk.is_added() {
            return;
        }
        // SAFETY: only `add_disk` adds a `GenDisk` (`GenDisk::add` is
        // private to the abstractions), so its parent is a namespace, whose
        // parent is its region: what the function looks at.
        unsafe { bindings::nvdimm_check_and_set_ro(disk.as_raw()) };
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

/// A reference to a namespace device found on the nd bus.
///
/// # Invariants
///
/// Holds a reference on an IO or PMEM namespace device.
pub struct NamespaceRef(ARef<Device>);

impl NamespaceRef {
    /// # Safety
    ///
    /// `dev` is a live IO or PMEM namespace ([`Namespace::is_namespace`])
    /// on which the caller holds a reference, which this takes over.
    pub(in crate::abstractions) unsafe fn from_raw(dev: NonNull<bindings::device>) -> Self {
        // INVARIANT: per the contract.
        // SAFETY: the caller's reference is handed over (contract); `Device`
        // wraps a `struct device` transparently.
        Self(unsafe { ARef::from_raw(dev.cast::<Device>()) })
    }

    pub(in crate::abstractions) fn as_raw(&self) -> *mut bindings::device {
        core::ptr::from_ref::<Device>(&self.0).cast_mut().cast()
    }

    /// Takes the device lock (the driver core's; probe and remove run
    /// under it).
    pub fn lock(&self) -> NamespaceGuard<'_> {
        // SAFETY: we hold a reference, so the device is live.
        unsafe { bindings::dpmem_device_lock(self.as_raw()) };
        NamespaceGuard(self)
    }
}

/// A locked namespace; unlocked on drop.
pub struct NamespaceGuard<'a>(&'a NamespaceRef);

impl core::ops::Deref for NamespaceGuard<'_> {
    type Target = Namespace;

    fn deref(&self) -> &Namespace {
        // SAFETY: the reference keeps the device alive and it is an IO or
        // PMEM namespace (`NamespaceRef` invariant).
        unsafe { Namespace::from_raw(self.0.as_raw()) }
    }
}

impl Drop for NamespaceGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: locked in `NamespaceRef::lock`.
        unsafe { bindings::dpmem_device_unlock(self.0.as_raw()) };
    }
}

/// Logs to the kernel log with the namespace as device prefix.
#[macro_export]
macro_rules! ns_log {
    ($ns:expr, $lvl:ident, $($arg:tt)*) => {
        $ns.log($crate::abstractions::nvdimm::Level::$lvl, format_args!($($arg)*))
    };
}
