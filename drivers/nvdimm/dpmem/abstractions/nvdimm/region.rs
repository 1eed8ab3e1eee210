// SPDX-License-Identifier: GPL-2.0

//! The nvdimm region a namespace lives in (`struct nd_region`): flushes
//! that make writes durable, and the platform's poison list and clearing.
//!
//! C header: [`include/linux/libnvdimm.h`](srctree/include/linux/libnvdimm.h)

use super::Namespace;
use crate::abstractions::bindings;
use crate::abstractions::block::{Badblocks, Bio};
use core::ptr::NonNull;
use kernel::device::Device;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::ARef;

/// The nvdimm region (`struct nd_region`) a namespace lives in.
///
/// # Invariants
///
/// `region` is the `nd_region` of `_region_dev`, and `ns_dev` a namespace
/// device in it; the references on both devices keep both structs
/// allocated while this value exists.
pub struct Region {
    region: NonNull<bindings::nd_region>,
    _region_dev: ARef<Device>,
    ns_dev: ARef<Device>,
}

// SAFETY: the nd_region services used here are callable from any thread.
unsafe impl Send for Region {}
// SAFETY: as above; nothing here mutates Rust-visible state.
unsafe impl Sync for Region {}

/// How a flush of a bio ended.
pub enum Flushed<'a> {
    /// Done synchronously, with this result: the caller still owns the bio.
    Done(Bio<'a>, Result),
    /// The region flushes asynchronously (virtio-pmem) and completes the
    /// bio itself.
    Async,
}

impl Region {
    /// The region of namespace `ns`.
    pub fn of_namespace(ns: &Namespace) -> Result<Self> {
        let ns_dev = ns.as_raw();
        // SAFETY: the namespace is live (`Namespace` invariant); its parent
        // is set while it is registered.
        let parent = unsafe { (*ns_dev).parent };
        if parent.is_null() {
            return Err(ENODEV);
        }
        // SAFETY: a registered namespace's parent is its live region device.
        let region = NonNull::new(unsafe { bindings::to_nd_region(parent) }).ok_or(ENODEV)?;
        // INVARIANT: both devices are referenced here, `region` is the
        // parent's `nd_region`.
        Ok(Self {
            region,
            // SAFETY: `parent` is a live device (see above).
            _region_dev: unsafe { Device::get_device(parent) },
            ns_dev: ns.as_device().into(),
        })
    }

    /// Whether writes can be made durable: `Ok(true)` if the region has
    /// flush hints or a flush callback (so FUA and flushes do work),
    /// `Ok(false)` if the platform guarantees persistence (ADR), and an
    /// error if it cannot be known.
    pub fn has_flush(&self) -> Result<bool> {
        // SAFETY: the region is live (type invariant).
        let r = unsafe { bindings::nvdimm_has_flush(self.region.as_ptr()) };
        to_result(r.min(0))?;
        Ok(r > 0)
    }

    /// Whether the CPU cache must be flushed for persistence (no eADR).
    pub fn has_cache(&self) -> bool {
        // SAFETY: the region is live (type invariant).
        unsafe { bindings::nvdimm_has_cache(self.region.as_ptr()) != 0 }
    }

    /// Whether the region is synchronous (MAP_SYNC is possible).
    pub fn is_sync(&self) -> bool {
        // SAFETY: the region is live (type invariant).
        unsafe { bindings::is_nvdimm_sync(self.region.as_ptr()) }
    }

    /// Makes all writes issued so far durable (`nvdimm_flush`).
    pub fn flush(&self) -> Result {
        // SAFETY: the region is live; a null bio asks for a synchronous
        // flush.
        to_result(unsafe { bindings::nvdimm_flush(self.region.as_ptr(), core::ptr::null_mut()) })
    }

    /// Flushes on behalf of `bio`; an asynchronous region takes the bio
    /// and completes it when the flush is done.
    pub fn flush_bio<'a>(&self, bio: Bio<'a>) -> Flushed<'a> {
        // SAFETY: `nvdimm_flush` either returns NVDIMM_FLUSH_ASYNC having
        // taken the bio (it completes it), or leaves it to us.
        let raw = unsafe { bio.into_raw() };
        // SAFETY: the region is live (type invariant); `raw` is a live bio.
        let r = unsafe { bindings::nvdimm_flush(self.region.as_ptr(), raw) };
        if r == bindings::DPMEM_NVDIMM_FLUSH_ASYNC as i32 {
            return Flushed::Async;
        }
        // SAFETY: not taken by the region (see above).
        let bio = unsafe { Bio::from_raw(raw) };
        Flushed::Done(bio, to_result(r.min(0)))
    }

    /// Loads the region's known poison inside `[start, start + len)`
    /// (physical) into `bb`, as sectors relative to `start`.
    pub fn load_badblocks(&self, bb: &Badblocks, start: u64, len: u64) {
        if len == 0 {
            return;
        }
        let range = bindings::range {
            start,
            end: start + len - 1,
        };
        // SAFETY: the region is live; `bb` is initialised; `range` is only
        // read during the call.
        unsafe { bindings::nvdimm_badblocks_populate(self.region.as_ptr(), bb.as_raw(), &range) };
    }

    /// Asks the platform to clear poison at `[phys, phys + len)`; returns
    /// how many bytes were cleared (may be fewer than `len`).
    pub fn clear_poison(&self, phys: u64, len: u32) -> Result<u32> {
        let dev = core::ptr::from_ref::<Device>(&self.ns_dev)
            .cast_mut()
            .cast();
        // SAFETY: the namespace device is live (type invariant); `Device`
        // wraps a `struct device` transparently.
        let r = unsafe { bindings::nvdimm_clear_poison(dev, phys, len) };
        if r < 0 {
            return Err(Error::from_errno(r as i32));
        }
        Ok(u32::try_from(r).unwrap_or(len).min(len))
    }
}
