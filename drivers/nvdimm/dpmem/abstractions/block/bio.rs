// SPDX-License-Identifier: GPL-2.0

//! The bios handed to a bio-based disk's `submit_bio`.
//!
//! C header: [`include/linux/bio.h`](srctree/include/linux/bio.h)

use super::{Segments, Status};
use crate::abstractions::bindings;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A bio being handled by [`Operations::submit_bio`].
///
/// Dropping it without [`Bio::end`] ends it with `BLK_STS_IOERR`, so a bio
/// can never be lost.
///
/// # Invariants
///
/// `ptr` is a live bio that has not been ended, owned by the holder.
pub struct Bio<'a> {
    ptr: NonNull<bindings::bio>,
    _life: PhantomData<&'a ()>,
}

/// What a bio asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `REQ_OP_READ`
    Read,
    /// `REQ_OP_WRITE` (possibly empty: a pure flush)
    Write,
    /// Anything else (not advertised by our queue limits).
    Other(u32),
}

impl<'a> Bio<'a> {
    /// A bio the block layer submitted to us.
    ///
    /// # Safety
    ///
    /// `ptr` is a live bio that has not been ended, handed over to the
    /// caller (as `submit_bio` does).
    #[inline]
    pub(super) unsafe fn submitted(ptr: NonNull<bindings::bio>) -> Self {
        // INVARIANT: per the contract.
        Bio {
            ptr,
            _life: PhantomData,
        }
    }

    #[inline]
    fn raw(&self) -> &bindings::bio {
        // SAFETY: live (type invariant); only read.
        unsafe { self.ptr.as_ref() }
    }

    #[inline]
    fn opf(&self) -> u32 {
        self.raw().bi_opf
    }

    /// The operation.
    #[inline]
    pub fn op(&self) -> Op {
        match self.opf() & bindings::DPMEM_REQ_OP_MASK {
            bindings::req_op_REQ_OP_READ => Op::Read,
            bindings::req_op_REQ_OP_WRITE => Op::Write,
            other => Op::Other(other),
        }
    }

    /// `REQ_PREFLUSH`: flush earlier writes before this one.
    #[inline]
    pub fn preflush(&self) -> bool {
        self.opf() & bindings::DPMEM_REQ_PREFLUSH != 0
    }

    /// `REQ_FUA`: this write is durable when it completes.
    #[inline]
    pub fn fua(&self) -> bool {
        self.opf() & bindings::DPMEM_REQ_FUA != 0
    }

    /// First sector.
    #[inline]
    pub fn sector(&self) -> u64 {
        self.raw().bi_iter.bi_sector
    }

    /// Bytes of data.
    #[inline]
    pub fn size(&self) -> u32 {
        self.raw().bi_iter.bi_size
    }

    /// The data segments, in order, each contiguous in kernel memory.
    #[inline]
    pub fn segments(&self) -> Segments<'_> {
        let raw = self.raw();
        Segments {
            vecs: raw.bi_io_vec,
            vcnt: u32::from(raw.bi_vcnt),
            iter: raw.bi_iter,
            _bio: PhantomData,
        }
    }

    /// Starts I/O accounting if the queue has `iostats` on; pass the result
    /// to [`Bio::end_accounting`].
    #[inline]
    pub fn start_accounting(&self) -> Option<Accounting> {
        let raw = self.raw();
        // SAFETY: a live bio's bdev, disk and queue are live.
        let features = unsafe { (*(*(*raw.bi_bdev).bd_disk).queue).limits.features };
        if features & bindings::DPMEM_BLK_FEAT_IO_STAT == 0 {
            return None;
        }
        // SAFETY: live bio (type invariant).
        Some(Accounting(unsafe {
            bindings::bio_start_io_acct(self.ptr.as_ptr())
        }))
    }

    /// Ends I/O accounting started by [`Bio::start_accounting`].
    #[inline]
    pub fn end_accounting(&self, acct: Option<Accounting>) {
        if let Some(Accounting(start)) = acct {
            let bio = self.ptr.as_ptr();
            // SAFETY: live bio; `start` came from `bio_start_io_acct` on it.
            unsafe { bindings::bio_end_io_acct_remapped(bio, start, (*bio).bi_bdev) };
        }
    }

    /// Completes the bio with `status`.
    pub fn end(self, status: Status) {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        // SAFETY: live and not ended (type invariant); `self` is forgotten
        // so it is not ended twice.
        unsafe {
            (*ptr).bi_status = status.0;
            bindings::bio_endio(ptr);
        }
    }

    /// Hands the bio to C code that takes over completing it.
    ///
    /// # Safety
    ///
    /// The caller passes the result to a C function that ends the bio in
    /// every case.
    pub unsafe fn into_raw(self) -> *mut bindings::bio {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        ptr
    }

    /// Reclaims a bio given away by [`Bio::into_raw`] that the C side did
    /// not take after all.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`Bio::into_raw`] and has not been ended.
    pub unsafe fn from_raw(ptr: *mut bindings::bio) -> Bio<'a> {
        // INVARIANT: per the safety contract.
        Bio {
            // SAFETY: `into_raw` returned a non-null pointer.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
            _life: PhantomData,
        }
    }
}

#[cfg(CONFIG_KUNIT)]
impl<'a> Bio<'a> {
    /// A view of a bio a KUnit case built by hand, to test the data path
    /// without a disk.
    ///
    /// # Safety
    ///
    /// `raw` is a bio whose `bi_io_vec` and `bi_iter` describe live memory.
    /// The caller gives the wrapper back with [`Bio::into_raw`] and never
    /// drops it or calls [`Bio::end`] (which would end a bio no one
    /// submitted).
    pub unsafe fn for_test(raw: &'a mut bindings::bio) -> Self {
        // INVARIANT: live for `'a`; "ended" never happens, per the contract.
        Bio {
            ptr: NonNull::from(raw),
            _life: PhantomData,
        }
    }
}

impl Drop for Bio<'_> {
    fn drop(&mut self) {
        let ptr = self.ptr.as_ptr();
        // SAFETY: live and not ended (type invariant); ended exactly here.
        unsafe {
            (*ptr).bi_status = Status::IOERR.0;
            bindings::bio_endio(ptr);
        }
    }
}

/// An I/O accounting start time from [`Bio::start_accounting`].
pub struct Accounting(kernel::ffi::c_ulong);
