// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers for a bio-based block device: the `gendisk`, its
//! `block_device_operations`, and the bios handed to `submit_bio`.
//!
//! Bio-based (not blk-mq), like `drivers/nvdimm/pmem.c`: memory-speed
//! devices gain nothing from request queues.
//!
//! C headers: [`include/linux/blkdev.h`](srctree/include/linux/blkdev.h),
//! [`include/linux/bio.h`](srctree/include/linux/bio.h)

use crate::bindings;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;
use kernel::ThisModule;

/// Bytes per sector, as the block layer counts them.
pub const SECTOR_SHIFT: u32 = bindings::DPMEM_SECTOR_SHIFT;

/// A `blk_status_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(bindings::blk_status_t);

impl Status {
    /// `BLK_STS_OK`
    pub const OK: Status = Status(bindings::DPMEM_BLK_STS_OK as bindings::blk_status_t);
    /// `BLK_STS_IOERR`
    pub const IOERR: Status = Status(bindings::DPMEM_BLK_STS_IOERR as bindings::blk_status_t);
    /// `BLK_STS_NOTSUPP`
    pub const NOTSUPP: Status = Status(bindings::DPMEM_BLK_STS_NOTSUPP as bindings::blk_status_t);

    /// The status the block layer uses for `err` (`errno_to_blk_status`).
    pub fn from_error(err: Error) -> Status {
        // SAFETY: a pure table lookup.
        Status(unsafe { bindings::errno_to_blk_status(err.to_errno()) })
    }

    /// The raw value.
    pub fn as_raw(self) -> u8 {
        self.0
    }
}

/// Features of a disk's queue (`BLK_FEAT_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(u32);

impl Features {
    /// Volatile write cache: flushes (`REQ_PREFLUSH`) are meaningful.
    pub const WRITE_CACHE: Features = Features(bindings::DPMEM_BLK_FEAT_WRITE_CACHE);
    /// Forced unit access is supported natively.
    pub const FUA: Features = Features(bindings::DPMEM_BLK_FEAT_FUA);
    /// I/O completes in the submitter's context.
    pub const SYNCHRONOUS: Features = Features(bindings::DPMEM_BLK_FEAT_SYNCHRONOUS);
    /// The disk is a DAX host.
    pub const DAX: Features = Features(bindings::DPMEM_BLK_FEAT_DAX);

    /// Whether all of `other` is set.
    pub fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Features {
    type Output = Features;

    fn bitor(self, rhs: Features) -> Features {
        Features(self.0 | rhs.0)
    }
}

/// What a new disk looks like to the block layer.
pub struct DiskParams<'a> {
    /// Name under `/dev` and `/sys/block`, at most 31 bytes.
    pub name: &'a str,
    /// Capacity in bytes (rounded down to whole sectors).
    pub capacity: u64,
    /// Logical block size in bytes (512 or 4096).
    pub logical_block_size: u32,
    /// Physical block size in bytes.
    pub physical_block_size: u32,
    /// Queue features.
    pub features: Features,
    /// NUMA node of the backing memory.
    pub node: i32,
}

/// The `submit_bio` side of a bio-based disk.
pub trait Operations: Send + Sync + Sized + 'static {
    /// Handles one bio. The callee owns it: it must end it (or hand it on).
    fn submit_bio(this: Pin<&Self>, bio: Bio<'_>);

    /// The bad-block list shown as `/sys/block/<disk>/badblocks`, if any.
    fn badblocks(this: &Self) -> Option<&Badblocks> {
        let _ = this;
        None
    }
}

/// A bad-sector list (`struct badblocks`), as the block layer and
/// libnvdimm keep them: ranges of 512-byte sectors.
///
/// # Invariants
///
/// The boxed `struct badblocks` was set up by `badblocks_init` and is torn
/// down by `badblocks_exit` in `drop`; the box gives it a stable address.
pub struct Badblocks(KBox<kernel::types::Opaque<bindings::badblocks>>);

// SAFETY: `struct badblocks` has its own seqlock; all its functions may be
// called from any thread.
unsafe impl Send for Badblocks {}
// SAFETY: as above.
unsafe impl Sync for Badblocks {}

impl Badblocks {
    /// An empty, enabled list.
    pub fn new() -> Result<Self> {
        let b = KBox::new(kernel::types::Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: `b` is a fresh allocation of the right size; the call
        // initialises it (and allocates its page).
        to_result(unsafe { bindings::badblocks_init(b.get(), 1) })?;
        // INVARIANT: initialised above.
        Ok(Self(b))
    }

    /// The raw struct, for libnvdimm to fill.
    pub fn as_raw(&self) -> *mut bindings::badblocks {
        self.0.get()
    }

    /// Number of bad ranges.
    #[inline]
    pub fn count(&self) -> u32 {
        // SAFETY: initialised (type invariant); a racy read of an int, as
        // the C fast path (`is_bad_pmem`) does before taking the seqlock.
        let n = unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).count) };
        n.max(0) as u32
    }

    /// Whether any of `sectors` sectors from `sector` is bad.
    #[inline]
    pub fn is_bad(&self, sector: u64, sectors: u32) -> bool {
        self.first_bad(sector, sectors).is_some()
    }

    /// The first bad sector among `sectors` sectors from `sector`, if any.
    /// An empty list (the usual case) costs one load, as in `is_bad_pmem`.
    #[inline]
    pub fn first_bad(&self, sector: u64, sectors: u32) -> Option<u64> {
        if self.count() == 0 {
            return None;
        }
        self.search(sector, sectors)
    }

    /// `first_bad` on a list that has entries.
    #[cold]
    fn search(&self, sector: u64, sectors: u32) -> Option<u64> {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        let (mut first, mut num) = (0u64, 0i32);
        // SAFETY: initialised (type invariant); the out-parameters are ours.
        let bad = unsafe {
            bindings::badblocks_check(self.as_raw(), sector, sectors, &mut first, &mut num) != 0
        };
        bad.then_some(first)
    }

    /// Forgets bad sectors that were repaired.
    pub fn clear(&self, sector: u64, sectors: u32) {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        // SAFETY: initialised (type invariant). The only failure is "range
        // not found", which leaves nothing to clear.
        unsafe { bindings::badblocks_clear(self.as_raw(), sector, sectors) };
    }

    /// Marks `sectors` sectors from `sector` bad (acknowledged); false if
    /// the list is full.
    pub fn set(&self, sector: u64, sectors: u32) -> bool {
        let sectors = i32::try_from(sectors).unwrap_or(i32::MAX);
        // SAFETY: initialised (type invariant).
        unsafe { bindings::badblocks_set(self.as_raw(), sector, sectors, 1) == 0 }
    }

    /// Entry `i` as (first sector, sectors), if there is one. Only for a
    /// list nothing else changes meanwhile (one being filled at bind).
    pub fn entry(&mut self, i: usize) -> Option<(u64, u32)> {
        let i = i32::try_from(i).ok()?;
        let (mut sector, mut sectors) = (0u64, 0u32);
        // SAFETY: initialised (type invariant); `&mut self` rules out
        // concurrent changes through this value.
        unsafe { bindings::dpmem_badblocks_entry(self.as_raw(), i, &mut sector, &mut sectors) }
            .then_some((sector, sectors))
    }
}

impl Drop for Badblocks {
    fn drop(&mut self) {
        // SAFETY: initialised (type invariant); exited once, then freed.
        unsafe { bindings::badblocks_exit(self.as_raw()) };
    }
}

/// The `block_device_operations` of disks driven by `T`.
///
/// Lives in a `static` of the driver module: `owner` makes every open of a
/// disk hold a reference on the module, so `rmmod` is refused while a disk
/// is open and the table outlives every disk that points to it.
#[repr(transparent)]
pub struct DiskVTable<T: Operations>(bindings::block_device_operations, PhantomData<T>);

// SAFETY: the table is immutable after construction; the C side only reads
// it, and the function pointers are safe to call from any thread.
unsafe impl<T: Operations> Sync for DiskVTable<T> {}

impl<T: Operations> DiskVTable<T> {
    /// The table for `T`, owned by `module`.
    pub const fn new(module: &'static ThisModule) -> Self {
        // SAFETY: all-zero is valid for this C struct (null callbacks).
        let mut ops: bindings::block_device_operations = unsafe { core::mem::zeroed() };
        ops.owner = module.as_ptr();
        ops.submit_bio = Some(submit_bio_trampoline::<T>);
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by the block layer with a bio for a live disk made by [`Disk::new`]
/// with `T`, whose `private_data` is therefore a `Pin<KBox<T>>` that
/// [`Disk`] keeps alive until `del_gendisk` has drained all bios.
unsafe extern "C" fn submit_bio_trampoline<T: Operations>(bio: *mut bindings::bio) {
    // SAFETY: the block layer passes a valid bio on a live disk.
    let data = unsafe { (*(*(*bio).bi_bdev).bd_disk).private_data };
    // SAFETY: `private_data` came from `Pin<KBox<T>>::into_foreign` in
    // `Disk::new` and is only taken back after `del_gendisk` (see above).
    let this = unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow(data) };
    let Some(ptr) = NonNull::new(bio) else {
        return;
    };
    // INVARIANT: the block layer hands the bio over to us; it is live and
    // not yet ended.
    let bio = Bio {
        ptr,
        _life: PhantomData,
    };
    T::submit_bio(this, bio);
}

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

    /// Tells pollers of the disk's `badblocks` attribute that it changed.
    pub fn notify_badblocks(&self) {
        // SAFETY: a live bio's disk is live; the bio being in flight keeps
        // `del_gendisk` (which removes the attribute) waiting.
        unsafe { bindings::dpmem_sysfs_notify_badblocks((*self.raw().bi_bdev).bd_disk) };
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

/// Iterator over the multi-page segments of a bio (like
/// `bio_for_each_bvec`): each one is contiguous in the direct map.
///
/// # Invariants
///
/// `vecs` has `vcnt` entries; `iter` is a copy of the bio's iterator. Both
/// are valid while the bio borrowed for `'a` is not ended.
pub struct Segments<'a> {
    vecs: *const bindings::bio_vec,
    vcnt: u32,
    iter: bindings::bvec_iter,
    _bio: PhantomData<&'a Bio<'a>>,
}

/// One contiguous piece of a bio's data.
///
/// # Invariants
///
/// `addr` is valid for reads and writes of `len` bytes while the bio it
/// came from (borrowed for `'a`) has not been ended.
pub struct Segment<'a> {
    addr: *mut u8,
    len: u32,
    sector: u64,
    _bio: PhantomData<&'a ()>,
}

impl Segment<'_> {
    /// Start of the segment's memory.
    #[inline]
    pub fn addr(&self) -> *mut u8 {
        self.addr
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the segment is empty (never, for segments a bio yields).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Device sector the segment starts at.
    #[inline]
    pub fn sector(&self) -> u64 {
        self.sector
    }

    /// The `len` bytes from byte `skip` (a whole number of sectors), if
    /// they are inside the segment.
    #[inline]
    pub fn piece(&self, skip: u32, len: u32) -> Option<Segment<'_>> {
        if skip % (1 << SECTOR_SHIFT) != 0 || skip.checked_add(len)? > self.len {
            return None;
        }
        // INVARIANT: inside this segment, valid as long as it is.
        Some(Segment {
            // SAFETY: `skip <= len`, so in bounds of the segment's memory.
            addr: unsafe { self.addr.add(skip as usize) },
            len,
            sector: self.sector + u64::from(skip >> SECTOR_SHIFT),
            _bio: PhantomData,
        })
    }
}

impl Segments<'_> {
    /// Whether every byte of the bio was yielded. False after the iterator
    /// stopped early on a bio whose vector is inconsistent with its size:
    /// the caller must then fail the bio rather than complete it.
    pub fn exhausted(&self) -> bool {
        self.iter.bi_size == 0
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    #[inline]
    fn next(&mut self) -> Option<Segment<'a>> {
        let it = &mut self.iter;
        if it.bi_size == 0 || it.bi_idx >= self.vcnt {
            return None;
        }
        // SAFETY: `bi_idx < vcnt` (checked above; type invariant).
        let bv = unsafe { &*self.vecs.add(it.bi_idx as usize) };
        // One test covers a position at or past the bvec's end (then
        // nothing is left of it) and keeps `len` non-zero.
        if it.bi_bvec_done >= bv.bv_len {
            return None;
        }
        let len = it.bi_size.min(bv.bv_len - it.bi_bvec_done);
        // Two u32s cannot overflow a (64-bit) usize.
        let offset = bv.bv_offset as usize + it.bi_bvec_done as usize;
        // SAFETY: the bvec's pages are contiguous and mapped (no HIGHMEM,
        // enforced at build time); the offset stays inside the bvec.
        let addr = unsafe { bindings::dpmem_bvec_virt(bv.bv_page, offset) };
        // INVARIANT: `len` bytes from `addr` are the bvec's, within the bio.
        let seg = Segment {
            addr: addr.cast(),
            len,
            sector: it.bi_sector,
            _bio: PhantomData,
        };
        // A sector past u64::MAX saturates, so the next segment fails the
        // caller's bounds check instead of wrapping to the device start.
        it.bi_sector = it.bi_sector.saturating_add(u64::from(len >> SECTOR_SHIFT));
        // Cannot underflow or overflow: `len <= bi_size` and
        // `len <= bv_len - bi_bvec_done` (wrapping only so the compiler,
        // which cannot see the second, adds no overflow panic).
        it.bi_size -= len;
        it.bi_bvec_done = it.bi_bvec_done.wrapping_add(len);
        if it.bi_bvec_done == bv.bv_len {
            it.bi_idx += 1;
            it.bi_bvec_done = 0;
        }
        Some(seg)
    }
}

/// Lockdep class of the disks' queue locks (`blk_alloc_disk()` uses one
/// static key per call site).
struct LockClass(kernel::types::Opaque<bindings::lock_class_key>);

// SAFETY: lockdep owns the key's contents and synchronises access.
unsafe impl Sync for LockClass {}

// Lockdep wants uninitialised static storage for keys.
static DISK_LOCK_CLASS: LockClass = LockClass(kernel::types::Opaque::uninit());

/// A bio-based block device.
///
/// Dropping it deletes the disk (`del_gendisk`, which waits for bios in
/// flight and refuses new ones) and only then frees the driver data.
///
/// # Invariants
///
/// `disk` is a gendisk from `blk_alloc_disk` with `fops` the vtable of `T`
/// and `private_data` a `Pin<KBox<T>>` owned by this value; `added` tells
/// whether `device_add_disk` succeeded.
pub struct Disk<T: Operations> {
    disk: NonNull<bindings::gendisk>,
    added: bool,
    dax: Option<NonNull<bindings::dax_device>>,
    _data: PhantomData<Pin<KBox<T>>>,
}

// SAFETY: the gendisk is usable from any thread; `T` is Send + Sync.
unsafe impl<T: Operations> Send for Disk<T> {}
// SAFETY: as above; `&Disk` only reads.
unsafe impl<T: Operations> Sync for Disk<T> {}

impl<T: Operations> Disk<T> {
    /// Allocates a disk (not yet visible) that sends bios to `data`.
    pub fn new(
        vtable: &'static DiskVTable<T>,
        params: &DiskParams<'_>,
        data: Pin<KBox<T>>,
    ) -> Result<Self> {
        let name = params.name.as_bytes();
        // SAFETY: all-zero is a valid `queue_limits` ("use the defaults").
        let mut lim: bindings::queue_limits = unsafe { core::mem::zeroed() };
        lim.logical_block_size = params.logical_block_size;
        lim.physical_block_size = params.physical_block_size;
        lim.max_hw_sectors = u32::MAX;
        lim.features = params.features.0;
        // SAFETY: `lim` is initialised; the lock class key is static.
        let disk =
            unsafe { bindings::__blk_alloc_disk(&mut lim, params.node, DISK_LOCK_CLASS.0.get()) };
        // SAFETY: IS_ERR only looks at the value.
        if unsafe { bindings::dpmem_is_err(disk.cast()) } {
            // SAFETY: as above.
            return Err(Error::from_errno(
                unsafe { bindings::dpmem_ptr_err(disk.cast()) } as i32,
            ));
        }
        let disk = NonNull::new(disk).ok_or(ENOMEM)?;
        // INVARIANT: the fields are set before anyone else can see the disk.
        let this = Self {
            disk,
            added: false,
            dax: None,
            _data: PhantomData,
        };
        let d = this.disk.as_ptr();
        // SAFETY: the disk is ours and not yet added; `disk_name` has 32
        // bytes and we write at most 31 plus NUL.
        unsafe {
            (*d).fops = &vtable.0;
            let n = name.len().min((*d).disk_name.len() - 1);
            core::ptr::copy_nonoverlapping(name.as_ptr(), (*d).disk_name.as_mut_ptr(), n);
            (*d).disk_name[n] = 0;
            if let Some(bb) = T::badblocks(&data) {
                // The badblocks are part of `data`, which lives until after
                // `del_gendisk` removed the attribute.
                (*d).bb = bb.as_raw().cast();
            }
            (*d).private_data = data.into_foreign().cast_mut();
            bindings::set_capacity(d, params.capacity >> SECTOR_SHIFT);
        }
        Ok(this)
    }

    /// The driver data.
    pub fn data(&self) -> Pin<&T> {
        // SAFETY: `private_data` came from `into_foreign` and is owned by us
        // (type invariant).
        unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow((*self.disk.as_ptr()).private_data) }
    }

    /// Makes the disk visible as a child of `parent` (its `device` link)
    /// and marks it read-only if the nvdimm region is.
    ///
    /// # Safety
    ///
    /// `parent` is a live device that outlives this `Disk`.
    pub unsafe fn add(&mut self, parent: *mut bindings::device) -> Result {
        if self.added {
            return Err(EBUSY);
        }
        // SAFETY: the disk is fully set up; `parent` per the contract.
        to_result(unsafe {
            bindings::device_add_disk(parent, self.disk.as_ptr(), core::ptr::null_mut())
        })?;
        self.added = true;
        // SAFETY: the disk is added; the namespace's parent is its region.
        unsafe { bindings::nvdimm_check_and_set_ro(self.disk.as_ptr()) };
        Ok(())
    }

    /// Makes the disk a DAX host (before [`Disk::add`]): its data serves
    /// `direct_access` and friends. `synchronous`: the platform makes
    /// flushed stores durable without a driver flush (MAP_SYNC allowed);
    /// `write_cache`: CPU caches must be written back for durability.
    /// The disk must have been made with [`Features::DAX`].
    pub fn enable_dax(
        &mut self,
        vtable: &'static crate::dax::DaxVTable<T>,
        synchronous: bool,
        write_cache: bool,
    ) -> Result
    where
        T: crate::dax::Operations,
    {
        if self.added || self.dax.is_some() {
            return Err(EBUSY);
        }
        let d = self.disk.as_ptr();
        // SAFETY: the disk is ours (type invariant); its private data is the
        // `Pin<KBox<T>>` the vtable's callbacks expect, and it outlives the
        // dax device (torn down first in `drop`).
        let dax = unsafe { bindings::alloc_dax((*d).private_data, vtable.as_raw()) };
        // SAFETY: IS_ERR only looks at the value.
        if unsafe { bindings::dpmem_is_err(dax.cast()) } {
            // SAFETY: as above.
            return Err(Error::from_errno(
                unsafe { bindings::dpmem_ptr_err(dax.cast()) } as i32,
            ));
        }
        let dax = NonNull::new(dax).ok_or(ENOMEM)?;
        // SAFETY: `dax` is live and ours; `d` is ours and not yet added.
        unsafe {
            bindings::set_dax_nocache(dax.as_ptr());
            bindings::set_dax_nomc(dax.as_ptr());
            if synchronous {
                bindings::set_dax_synchronous(dax.as_ptr());
            }
            let r = bindings::dax_add_host(dax.as_ptr(), d);
            if r != 0 {
                bindings::kill_dax(dax.as_ptr());
                bindings::put_dax(dax.as_ptr());
                return Err(Error::from_errno(r));
            }
            bindings::dax_write_cache(dax.as_ptr(), write_cache);
        }
        self.dax = Some(dax);
        Ok(())
    }

    /// The disk's DAX device, if it is a DAX host.
    pub fn dax_device(&self) -> Option<NonNull<bindings::dax_device>> {
        self.dax
    }
}

impl<T: Operations> Drop for Disk<T> {
    fn drop(&mut self) {
        let d = self.disk.as_ptr();
        // SAFETY: the disk is ours (type invariant). `del_gendisk` returns
        // once no bio is inside `submit_bio` and none can enter, so the data
        // can be freed after it; `put_disk` drops our reference (an opener
        // may hold another; it no longer reaches `private_data`).
        unsafe {
            if let Some(dax) = self.dax.take() {
                // pmem.c's order: no new DAX users, existing ones told the
                // device is gone, then the disk itself.
                bindings::dax_remove_host(d);
                bindings::kill_dax(dax.as_ptr());
                bindings::put_dax(dax.as_ptr());
            }
            if self.added {
                bindings::del_gendisk(d);
            }
            let data = (*d).private_data;
            (*d).private_data = core::ptr::null_mut();
            bindings::put_disk(d);
            drop(<Pin<KBox<T>> as ForeignOwnable>::from_foreign(data));
        }
    }
}
