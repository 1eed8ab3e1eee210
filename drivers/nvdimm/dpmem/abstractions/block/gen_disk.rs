// SPDX-License-Identifier: GPL-2.0

//! A bio-based disk (`struct gendisk`) and its `block_device_operations`,
//! built like upstream's `GenDiskBuilder` (rust/kernel/block/mq/gen_disk.rs).
//!
//! Bio-based (not blk-mq), like `drivers/nvdimm/pmem.c`: memory-speed
//! devices gain nothing from request queues.
//!
//! C header: [`include/linux/blkdev.h`](srctree/include/linux/blkdev.h)

use super::{Badblocks, Bio, SECTOR_SHIFT};
use crate::abstractions::{bindings, dax::DaxHost};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::{from_err_ptr, to_result};
use kernel::prelude::*;
use kernel::types::ForeignOwnable;
use kernel::ThisModule;

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

/// Builds a [`GenDisk`]: what the disk looks like to the block layer.
///
/// ```ignore
/// let disk = GenDiskBuilder::new()
///     .name(name)
///     .capacity_bytes(size)
///     .logical_block_size(512)
///     .physical_block_size(4096)
///     .features(Features::DAX)
///     .node(nid)
///     .build(&VTABLE, data)?;
/// ```
pub struct GenDiskBuilder<'a> {
    name: &'a str,
    capacity: u64,
    logical_block_size: u32,
    physical_block_size: u32,
    features: Features,
    node: i32,
}

impl Default for GenDiskBuilder<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> GenDiskBuilder<'a> {
    /// A disk of no capacity with 512-byte blocks, on any NUMA node.
    pub fn new() -> Self {
        Self {
            name: "",
            capacity: 0,
            logical_block_size: 512,
            physical_block_size: 512,
            features: Features::default(),
            node: bindings::NUMA_NO_NODE,
        }
    }

    /// Name under `/dev` and `/sys/block` (at most 31 bytes are kept).
    pub fn name(self, name: &'a str) -> Self {
        Self { name, ..self }
    }

    /// Capacity in bytes (rounded down to whole sectors).
    pub fn capacity_bytes(self, capacity: u64) -> Self {
        Self { capacity, ..self }
    }

    /// Logical block size in bytes.
    pub fn logical_block_size(self, logical_block_size: u32) -> Self {
        Self {
            logical_block_size,
            ..self
        }
    }

    /// Physical block size in bytes.
    pub fn physical_block_size(self, physical_block_size: u32) -> Self {
        Self {
            physical_block_size,
            ..self
        }
    }

    /// Queue features.
    pub fn features(self, features: Features) -> Self {
        Self { features, ..self }
    }

    /// NUMA node of the backing memory.
    pub fn node(self, node: i32) -> Self {
        Self { node, ..self }
    }

    /// Allocates the disk (not yet visible), sending bios to `data`.
    pub fn build<T: Operations>(
        self,
        vtable: &'static DiskVTable<T>,
        data: Pin<KBox<T>>,
    ) -> Result<GenDisk<T>> {
        GenDisk::new(vtable, &self, data)
    }
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
        ops.free_disk = Some(free_disk_trampoline::<T>);
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by the block layer (`disk_release`) once the last reference to
/// an added disk made by [`GenDisk::new`] with `T` is gone. Its
/// `private_data` is then a `Pin<KBox<T>>` that [`GenDisk`]'s drop handed
/// over, or null.
unsafe extern "C" fn free_disk_trampoline<T: Operations>(disk: *mut bindings::gendisk) {
    // SAFETY: the disk is being released: nothing else uses it.
    let data = unsafe { core::mem::take(&mut (*disk).private_data) };
    if !data.is_null() {
        // SAFETY: per the contract, from `into_foreign` and owned by the
        // disk since `GenDisk` was dropped; taken back once (nulled above).
        drop(unsafe { <Pin<KBox<T>> as ForeignOwnable>::from_foreign(data) });
        // The module reference `GenDisk`'s drop took for the data, last:
        // `bdev_release()` drops the opener's module reference before the
        // final `put_device()` that runs this, so without it `rmmod` could
        // free this code while the data (struct pages: seconds) goes.
        // SAFETY: the disk's `fops` are ours, owned by the module whose
        // reference was taken in `GenDisk::drop` (non-null data).
        unsafe { bindings::module_put((*(*disk).fops).owner) };
    }
}

/// # Safety
///
/// Called by the block layer with a bio for a live disk made by [`GenDisk::new`]
/// with `T`, whose `private_data` is therefore a `Pin<KBox<T>>` that
/// [`GenDisk`] keeps alive until `del_gendisk` has drained all bios.
unsafe extern "C" fn submit_bio_trampoline<T: Operations>(bio: *mut bindings::bio) {
    // SAFETY: the block layer passes a valid bio on a live disk.
    let data = unsafe { (*(*(*bio).bi_bdev).bd_disk).private_data };
    // SAFETY: `private_data` came from `Pin<KBox<T>>::into_foreign` in
    // `GenDisk::new` and is only taken back after `del_gendisk` (see above).
    let this = unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow(data) };
    let Some(ptr) = NonNull::new(bio) else {
        return;
    };
    // SAFETY: the block layer hands the bio over to us, live and not ended.
    let bio = unsafe { Bio::submitted(ptr) };
    T::submit_bio(this, bio);
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
/// Dropping it tears down its DAX host first (if any), then deletes the
/// disk (`del_gendisk`, which waits for bios in flight and refuses new
/// ones). The driver data is freed with the disk's last reference
/// (`free_disk`): at once, or when the last opener (a filesystem mounted
/// on the deleted disk) closes it.
///
/// # Invariants
///
/// `disk` is a gendisk from `blk_alloc_disk` with `fops` the vtable of `T`
/// and `private_data` a `Pin<KBox<T>>` owned by this value; `added` tells
/// whether `device_add_disk` succeeded; `dax`, if set, hosts DAX for this
/// disk and its private data.
pub struct GenDisk<T: Operations> {
    disk: NonNull<bindings::gendisk>,
    added: bool,
    pub(in crate::abstractions) dax: Option<DaxHost>,
    _data: PhantomData<Pin<KBox<T>>>,
}

// SAFETY: the gendisk is usable from any thread; `T` is Send + Sync.
unsafe impl<T: Operations> Send for GenDisk<T> {}
// SAFETY: as above; `&GenDisk` only reads.
unsafe impl<T: Operations> Sync for GenDisk<T> {}

impl<T: Operations> GenDisk<T> {
    fn new(
        vtable: &'static DiskVTable<T>,
        params: &GenDiskBuilder<'_>,
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
        let disk = from_err_ptr(unsafe {
            bindings::__blk_alloc_disk(&mut lim, params.node, DISK_LOCK_CLASS.0.get())
        })?;
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

    /// The gendisk, for the other abstractions (nvdimm, dax).
    pub(in crate::abstractions) fn as_raw(&self) -> *mut bindings::gendisk {
        self.disk.as_ptr()
    }

    /// Whether [`GenDisk::add`] succeeded.
    pub fn is_added(&self) -> bool {
        self.added
    }

    /// Makes the disk visible as a child of `parent` (its `device` link).
    ///
    /// # Safety
    ///
    /// `parent` is a live device that outlives this `GenDisk`.
    pub(in crate::abstractions) unsafe fn add(&mut self, parent: *mut bindings::device) -> Result {
        if self.added {
            return Err(EBUSY);
        }
        let groups = self
            .dax
            .as_ref()
            .map_or(core::ptr::null(), |d| d.attr_groups());
        // SAFETY: the disk is fully set up; `parent` per the contract. The
        // groups (if any) live as long as the disk's DAX host, which is
        // dropped after `del_gendisk` removed them.
        to_result(unsafe {
            bindings::device_add_disk(parent, self.disk.as_ptr(), groups.cast_mut())
        })?;
        self.added = true;
        if let Some(bb) = T::badblocks(&self.data()) {
            // SAFETY: the disk is live and was just added.
            if !unsafe { bb.watch(self.disk.as_ptr()) } {
                // SAFETY: the disk is live; `disk_name` is NUL-terminated.
                let name = unsafe { CStr::from_char_ptr((*self.disk.as_ptr()).disk_name.as_ptr()) };
                pr_warn!("{name}: 'badblocks' notification disabled\n");
            }
        }
        Ok(())
    }
}

impl<T: Operations> Drop for GenDisk<T> {
    fn drop(&mut self) {
        // pmem.c's order: DAX ends first (no new DAX users, existing ones
        // told the device is gone, `direct_access` calls waited for), then
        // the disk is deleted. Our reference to the dax device is dropped
        // after that, once the `dax` attribute group that uses it is gone.
        let mut dax = self.dax.take();
        if let Some(dax) = dax.as_mut() {
            dax.kill();
        }
        let d = self.disk.as_ptr();
        // SAFETY: the disk is ours (type invariant). `del_gendisk` returns
        // once no bio is inside `submit_bio` and none can enter; DAX is
        // dead: nothing calls into the data any more.
        unsafe {
            if self.added {
                bindings::del_gendisk(d);
                drop(dax);
                // The data goes with the disk's last reference
                // (`free_disk`): a filesystem still mounted on the deleted
                // disk keeps it, and what it owns (the struct pages under
                // the filesystem's DAX entries and its users' mappings),
                // until it lets go of the disk. The module stays until
                // then (`free_disk_trampoline` puts this reference).
                if !(*d).private_data.is_null() {
                    bindings::__module_get((*(*d).fops).owner);
                }
                bindings::put_disk(d);
            } else {
                // Never added: `free_disk` is not called.
                drop(dax);
                let data = (*d).private_data;
                (*d).private_data = core::ptr::null_mut();
                bindings::put_disk(d);
                drop(<Pin<KBox<T>> as ForeignOwnable>::from_foreign(data));
            }
        }
    }
}
