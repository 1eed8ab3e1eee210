// SPDX-License-Identifier: GPL-2.0

//! An exclusive claim on a range of physical address space in
//! `/proc/iomem` (`request_mem_region`): what proves that the memory a
//! mapping or a page map covers is the caller's.
//!
//! C header: [`include/linux/ioport.h`](srctree/include/linux/ioport.h)

use crate::abstractions::bindings;
use core::ptr::NonNull;
use kernel::device::Device;
use kernel::prelude::*;
use kernel::types::ARef;

/// Exclusive claim on a physical range, released on drop.
///
/// # Invariants
///
/// `res` was returned by `__request_region` for `[start, start + len)` in
/// the name of `owner`, whose name the resource points to (our reference
/// keeps it alive).
pub struct MemClaim {
    res: NonNull<bindings::resource>,
    start: u64,
    len: u64,
    _owner: ARef<Device>,
}

// SAFETY: only released on drop, under the resource lock inside C.
unsafe impl Send for MemClaim {}
// SAFETY: `&MemClaim` only reads immutable fields.
unsafe impl Sync for MemClaim {}

impl MemClaim {
    /// Claims `[start, start + len)` in the name of `owner`; EBUSY if
    /// anyone else holds part of it.
    pub fn new(owner: &Device, start: u64, len: u64) -> Result<Self> {
        let owner: ARef<Device> = owner.into();
        let dev = core::ptr::from_ref::<Device>(&owner)
            .cast_mut()
            .cast::<bindings::device>();
        // SAFETY: `Device` wraps a `struct device` transparently; `owner` is
        // live and referenced, so its name lives as long as the claim.
        let res = unsafe {
            bindings::__request_region(
                &raw mut bindings::iomem_resource,
                start,
                len,
                (*dev).kobj.name,
                0,
            )
        };
        let res = NonNull::new(res).ok_or(EBUSY)?;
        // INVARIANT: requested above, in the name of the referenced owner.
        Ok(Self {
            res,
            start,
            len,
            _owner: owner,
        })
    }

    /// Whether `[start, start + len)` lies inside the claim.
    pub fn covers(&self, start: u64, len: u64) -> bool {
        start >= self.start
            && start
                .checked_add(len)
                .is_some_and(|end| end <= self.start + self.len)
    }
}

impl Drop for MemClaim {
    fn drop(&mut self) {
        let _ = self.res;
        // SAFETY: requested in `new` with the same range (type invariant);
        // the owner's reference is dropped after this.
        unsafe {
            bindings::__release_region(&raw mut bindings::iomem_resource, self.start, self.len)
        };
    }
}
