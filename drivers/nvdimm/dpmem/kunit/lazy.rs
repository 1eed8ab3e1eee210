// SPDX-License-Identifier: GPL-2.0

//! KUnit: sectioned placement's map, and lazy initialisation under
//! concurrent callers and teardown.

use super::Test;
use crate::abstractions::bindings;
use crate::format::layout::{self, Layout, Placement};
use crate::kexpect;
use kernel::prelude::*;

/// Sectioned placement maps device bytes around the descriptor chunks: a
/// segment that crosses from one section into the next is split around the
/// chunk, the last whole section ends the device, and 2 MiB-aligned device
/// offsets stay 2 MiB aligned on the media (huge-page faults).
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_sectioned_map(test: *mut bindings::kunit) {
    use crate::abstractions::block::{Bio, Status};
    use crate::io::for_each_piece;
    use kernel::page::Page;
    const MIB: u64 = 1 << 20;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    // 1 GiB + 64 MiB at 4 GiB: 8 whole sections, a partial one at the end.
    let Ok(l) = Layout::compute(Placement::Sectioned, 4 << 30, (1 << 30) + 64 * MIB) else {
        kexpect!(t, false);
        return;
    };
    kexpect!(t, l.sections == 8 && l.data_offset == 4 * MIB);
    kexpect!(t, l.data_size == 124 * MIB + 7 * 126 * MIB);
    // The last byte is in the last whole section, before the partial one.
    let last = l.locate_range(l.data_size - 1, 1);
    kexpect!(t, last.map(|r| r.unit) == Some(7));
    kexpect!(t, last.map(|r| r.offset) == Some((1 << 30) - 1));
    kexpect!(t, l.locate_range(l.data_size - 512, 1024).is_none());
    // Every 2 MiB-aligned device offset: 2 MiB aligned on the media, with
    // at least 2 MiB contiguous, never inside a chunk.
    let mut off = 0;
    while off < l.data_size {
        match l.locate_range(off, 2 * MIB) {
            Some(r) => {
                let media = r.offset;
                kexpect!(t, media % (2 * MIB) == 0 && r.len == 2 * MIB);
                kexpect!(t, media % layout::SECTION_SIZE >= 2 * MIB);
                kexpect!(t, r.unit == media / layout::SECTION_SIZE);
            }
            None => kexpect!(t, false),
        }
        off += 2 * MIB;
    }

    // A bio of 8 KiB starting 4 KiB before the end of section 0's data.
    let Ok(page) = Page::alloc_page(GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    // Only addresses are compared, nothing is dereferenced.
    let vecs = [bindings::bio_vec {
        bv_page: page.as_ptr(),
        bv_len: 8192,
        bv_offset: 0,
    }];
    // SAFETY: address arithmetic on a live page (no HIGHMEM).
    let base = unsafe { bindings::dpmem_bvec_virt(page.as_ptr(), 0) }.cast::<u8>();
    // SAFETY: all-zero is a valid (idle) bio.
    let Ok(mut raw) = KBox::new(unsafe { core::mem::zeroed::<bindings::bio>() }, GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    raw.bi_io_vec = vecs.as_ptr().cast_mut();
    raw.bi_vcnt = 1;
    let split = |raw: &mut bindings::bio, sector: u64| {
        raw.bi_iter = bindings::bvec_iter {
            bi_sector: sector,
            bi_size: 8192,
            bi_idx: 0,
            bi_bvec_done: 0,
        };
        // SAFETY: its vectors point at live pages (above); `into_raw`
        // below takes the wrapper back, which is never dropped or ended.
        let bio = unsafe { Bio::for_test(raw) };
        let mut got: KVec<(u64, u64, *mut u8, u32)> = KVec::new();
        let mut status = Status::OK;
        for seg in bio.segments() {
            if let Err(s) = for_each_piece(&l, &seg, |map_off, piece| {
                let _ = got.push(
                    (map_off, piece.sector(), piece.addr(), piece.len()),
                    GFP_KERNEL,
                );
                Ok(())
            }) {
                status = s;
            }
        }
        // SAFETY: only takes the pointer back; nothing is handed to C.
        let _ = unsafe { bio.into_raw() };
        (got, status)
    };
    let first = (124 * MIB - 4096) / 512;
    let (pieces, status) = split(&mut raw, first);
    // SAFETY: in bounds of the 8 KiB the bvec describes (addresses only).
    let second = unsafe { base.add(4096) };
    let want = [
        (128 * MIB - 4096, first, base, 4096),
        // Section 1's data starts after its chunk: media 130 MiB.
        (130 * MIB, first + 8, second, 4096),
    ];
    kexpect!(t, status == Status::OK);
    kexpect!(t, pieces[..] == want[..]);
    // Inside one run: one piece.
    let (pieces, _) = split(&mut raw, 0);
    kexpect!(t, pieces[..] == [(4 * MIB, 0, base, 8192)][..]);
    // Past the end of the device: refused, nothing touched.
    let (pieces, status) = split(&mut raw, (l.data_size - 4096) / 512);
    kexpect!(t, status == Status::IOERR && pieces.is_empty());
}

/// Counts initialisations per unit, and how many ran at once at most;
/// unit 5 always fails. While `held` is set, initialisations wait (at
/// most 5 s) before they finish; with `await_overlap`, each waits (up to
/// 500 ms) until a second one has run at the same time.
struct CountingInit {
    calls: [core::sync::atomic::AtomicU32; 8],
    running: core::sync::atomic::AtomicU32,
    most_running: core::sync::atomic::AtomicU32,
    held: core::sync::atomic::AtomicBool,
    await_overlap: core::sync::atomic::AtomicBool,
    drops: kernel::sync::Arc<Drops>,
}

/// How initialised units were undone.
#[derive(Default)]
struct Drops {
    undone: core::sync::atomic::AtomicU32,
    busy: core::sync::atomic::AtomicU32,
    most_busy: core::sync::atomic::AtomicU32,
}

/// An initialised unit of [`CountingInit`]; undoing it takes a while, like
/// a page map's RCU grace period.
struct Undo(kernel::sync::Arc<Drops>);

impl Drop for Undo {
    fn drop(&mut self) {
        use core::sync::atomic::Ordering;
        let d = &self.0;
        let busy = d.busy.fetch_add(1, Ordering::SeqCst) + 1;
        d.most_busy.fetch_max(busy, Ordering::SeqCst);
        crate::abstractions::delay::msleep(50);
        d.busy.fetch_sub(1, Ordering::SeqCst);
        d.undone.fetch_add(1, Ordering::SeqCst);
    }
}

impl crate::lazy::UnitInit for CountingInit {
    type Unit = Undo;

    fn init(&self, unit: u64) -> Result<Undo> {
        use core::sync::atomic::Ordering;
        self.calls
            .get(unit as usize)
            .ok_or(ERANGE)?
            .fetch_add(1, Ordering::SeqCst);
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_running.fetch_max(running, Ordering::SeqCst);
        // Long enough for every concurrent caller to arrive and wait; until
        // a second initialisation overlaps this one if asked (up to 500 ms:
        // another worker may need a new kworker first); and while the test
        // holds initialisations. (The suites run at every load of the
        // module: the usual case stays 30 ms.)
        let await_overlap = self.await_overlap.load(Ordering::SeqCst);
        crate::abstractions::delay::msleep(30);
        let mut waited = 30;
        while waited < 5000
            && (self.held.load(Ordering::SeqCst)
                || (await_overlap && waited < 500 && self.most_running.load(Ordering::SeqCst) < 2))
        {
            crate::abstractions::delay::msleep(1);
            waited += 1;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        if unit == 5 {
            return Err(EIO);
        }
        Ok(Undo(self.drops.clone()))
    }
}

/// Eight units of [`CountingInit`] with a worker queue named `name`, and
/// the record of how they are undone.
fn counting_set(
    name: &'static kernel::str::CStr,
) -> Result<(
    kernel::sync::Arc<Drops>,
    crate::lazy::LazyOwner<CountingInit>,
)> {
    let drops = kernel::sync::Arc::new(Drops::default(), GFP_KERNEL)?;
    let owner = crate::lazy::LazyOwner::new(
        CountingInit {
            calls: Default::default(),
            running: Default::default(),
            most_running: Default::default(),
            held: Default::default(),
            await_overlap: Default::default(),
            drops: drops.clone(),
        },
        8,
        name,
    )?;
    Ok((drops, owner))
}

/// What the concurrent callers saw.
#[derive(Default)]
struct Outcomes {
    ok: core::sync::atomic::AtomicU32,
    eio: core::sync::atomic::AtomicU32,
    other: core::sync::atomic::AtomicU32,
}

/// The chunk state machine under concurrent callers: 16 callers of one
/// unit initialise it once and all see it ready; callers of a failing unit
/// all get its error and it is not retried; callers of different units do
/// not wait for each other (up to `WORKERS` units are initialised at once,
/// never more); teardown undoes every initialised unit once, several at a
/// time; after it callers get ENXIO.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_lazy_concurrency(test: *mut bindings::kunit) {
    use crate::lazy::Lazy;
    use core::sync::atomic::Ordering;
    use kernel::sync::Arc;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let Ok((drops, owner)) = counting_set(kernel::c_str!("kunit")) else {
        kexpect!(t, false);
        return;
    };
    let Ok(out) = Arc::new(Outcomes::default(), GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    owner
        .initialiser()
        .await_overlap
        .store(true, Ordering::SeqCst);
    // 16 callers on unit 3, 8 on the failing unit 5, one on each of the
    // others, all at once.
    let mut callers = 0u32;
    let units = Iterator::chain((0..16).map(|_| 3u64), (0..8).map(|_| 5u64));
    let units = Iterator::chain(units, [0u64, 1, 2, 4, 6, 7]);
    for unit in units {
        let (lazy, out) = (owner.handle(), out.clone());
        let spawned = kernel::workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
            let counter = match Lazy::ensure(&lazy, unit) {
                Ok(()) => &out.ok,
                Err(e) if e == EIO => &out.eio,
                Err(_) => &out.other,
            };
            counter.fetch_add(1, Ordering::SeqCst);
        });
        kexpect!(t, spawned.is_ok());
        callers += 1;
    }
    let finished = |o: &Outcomes| {
        o.ok.load(Ordering::SeqCst) + o.eio.load(Ordering::SeqCst) + o.other.load(Ordering::SeqCst)
    };
    let mut waited = 0;
    while finished(&out) < callers && waited < 1000 {
        crate::abstractions::delay::msleep(10);
        waited += 1;
    }
    kexpect!(t, finished(&out) == callers);
    kexpect!(t, out.ok.load(Ordering::SeqCst) == 16 + 6);
    kexpect!(t, out.eio.load(Ordering::SeqCst) == 8);
    kexpect!(t, out.other.load(Ordering::SeqCst) == 0);
    let calls = &owner.initialiser().calls;
    kexpect!(t, calls.iter().all(|c| c.load(Ordering::SeqCst) == 1));
    let most = owner.initialiser().most_running.load(Ordering::SeqCst);
    kexpect!(t, most >= 2 && most as usize <= crate::lazy::WORKERS);
    kexpect!(t, (0..8).all(|u| owner.is_ready(u) == (u != 5)));
    kexpect!(t, owner.failed() == 1);
    kexpect!(t, owner.fold(0u64, |n, _, _| n + 1) == 7);
    // A failed unit keeps failing without another attempt.
    kexpect!(t, Lazy::ensure(&owner, 5) == Err(EIO));
    kexpect!(t, calls[5].load(Ordering::SeqCst) == 1);
    kexpect!(t, Lazy::ensure(&owner, 8) == Err(ERANGE));
    // After teardown, users holding a handle are refused.
    let handle = owner.handle();
    kexpect!(t, drops.undone.load(Ordering::SeqCst) == 0);
    drop(owner);
    kexpect!(t, drops.undone.load(Ordering::SeqCst) == 7);
    kexpect!(t, drops.busy.load(Ordering::SeqCst) == 0);
    // 7 units of 50 ms each: the helpers overlap.
    kexpect!(t, drops.most_busy.load(Ordering::SeqCst) >= 2);
    kexpect!(t, Lazy::ensure(&handle, 3) == Err(ENXIO));
    kexpect!(t, !handle.is_ready(3));
}

/// Fails unit 0 with `ENOMEM` twice, then succeeds; fails unit 1 with
/// `EINVAL` always.
#[derive(Default)]
struct FlakyInit {
    calls: [core::sync::atomic::AtomicU32; 2],
}

impl crate::lazy::UnitInit for FlakyInit {
    type Unit = ();

    fn init(&self, unit: u64) -> Result<()> {
        use core::sync::atomic::Ordering;
        let n = self
            .calls
            .get(unit as usize)
            .ok_or(ERANGE)?
            .fetch_add(1, Ordering::SeqCst)
            + 1;
        match unit {
            0 if n <= 2 => Err(ENOMEM),
            0 => Ok(()),
            _ => Err(EINVAL),
        }
    }
}

/// A unit that failed for want of memory is tried again by the next
/// caller (a DAX fault turns `ENOMEM` into a retry, so a unit that kept
/// the error would make its faults spin forever); any other failure is
/// final.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_lazy_transient(test: *mut bindings::kunit) {
    use crate::lazy::{Lazy, LazyOwner};
    use core::sync::atomic::Ordering;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let Ok(owner) = LazyOwner::new(FlakyInit::default(), 2, kernel::c_str!("kunit-flaky")) else {
        kexpect!(t, false);
        return;
    };
    let calls = &owner.initialiser().calls;
    kexpect!(t, Lazy::ensure(&owner, 0) == Err(ENOMEM));
    kexpect!(t, !owner.is_ready(0) && owner.failed() == 0);
    kexpect!(t, Lazy::ensure(&owner, 0) == Err(ENOMEM));
    kexpect!(t, calls[0].load(Ordering::SeqCst) == 2);
    kexpect!(t, Lazy::ensure(&owner, 0) == Ok(()));
    kexpect!(t, calls[0].load(Ordering::SeqCst) == 3);
    kexpect!(t, owner.is_ready(0));
    kexpect!(t, Lazy::ensure(&owner, 0) == Ok(()));
    kexpect!(t, calls[0].load(Ordering::SeqCst) == 3);
    kexpect!(t, Lazy::ensure(&owner, 1) == Err(EINVAL));
    kexpect!(t, Lazy::ensure(&owner, 1) == Err(EINVAL));
    kexpect!(t, calls[1].load(Ordering::SeqCst) == 1);
    kexpect!(t, owner.failed() == 1);
}

/// Unbind with a filesystem still holding the disk: `quiesce` stops the
/// workers from building queued units (nothing can need them), waiting and
/// later callers get `ENXIO`, and what was built stays until the owner is
/// dropped, which undoes it.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_lazy_quiesce(test: *mut bindings::kunit) {
    use crate::lazy::Lazy;
    use core::sync::atomic::Ordering;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let Ok((drops, owner)) = counting_set(kernel::c_str!("kunit-quiesce")) else {
        kexpect!(t, false);
        return;
    };
    kexpect!(t, Lazy::ensure(&owner, 7) == Ok(()));
    // Seven units' worth of work queued at once, the workers held in the
    // units they take until the set is quiesced.
    owner.initialiser().held.store(true, Ordering::SeqCst);
    for unit in 0..7 {
        kexpect!(t, Lazy::start(&owner, unit).is_ok());
    }
    owner.quiesce();
    owner.initialiser().held.store(false, Ordering::SeqCst);
    kexpect!(t, Lazy::ensure(&owner, 6) == Err(ENXIO));
    crate::abstractions::delay::msleep(300);
    let calls = &owner.initialiser().calls;
    let built: u32 = calls[..7].iter().map(|c| c.load(Ordering::SeqCst)).sum();
    // At most the units the workers had taken before `quiesce`.
    kexpect!(t, built as usize <= crate::lazy::WORKERS);
    kexpect!(t, owner.is_ready(7));
    kexpect!(t, drops.undone.load(Ordering::SeqCst) == 0);
    drop(owner);
    kexpect!(t, drops.undone.load(Ordering::SeqCst) == 1 + built);
}
