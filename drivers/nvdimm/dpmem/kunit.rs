// SPDX-License-Identifier: GPL-2.0

//! KUnit cases written in Rust. `dpmem_kunit.c` holds the suite tables (the
//! KUnit registration macros are C); each case there calls one
//! `#[no_mangle]` function here with the running `struct kunit`.

use crate::bindings;
use crate::infoblock;
use crate::layout::{self, Layout, Placement};
use crate::naming;
use kernel::prelude::*;
use kernel::str::CStr;

/// The running test case.
///
/// # Invariants
///
/// Wraps the `struct kunit` KUnit passed to the running case; only used
/// during that case.
struct Test(*mut bindings::kunit);

impl Test {
    /// Records a failed expectation (the case goes on, like `KUNIT_EXPECT`).
    fn expect(&self, ok: bool, file: &'static CStr, line: u32, what: &'static CStr) {
        if !ok {
            // SAFETY: `self.0` is the running test (type invariant); the
            // strings are NUL-terminated statics.
            unsafe {
                bindings::dpmem_kunit_fail(
                    self.0,
                    file.as_char_ptr(),
                    line as i32,
                    what.as_char_ptr(),
                )
            };
        }
    }
}

/// `kexpect!(test, condition)`: a non-fatal KUnit expectation.
macro_rules! kexpect {
    ($t:expr, $cond:expr) => {
        $t.expect(
            $cond,
            kernel::c_str!(file!()),
            line!(),
            kernel::c_str!(stringify!($cond)),
        )
    };
}

/// Namespace names map to nd_pmem-style disk names; everything else is
/// refused.
#[no_mangle]
pub extern "C" fn dpmem_kunit_disk_names(test: *mut bindings::kunit) {
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let good: [(&str, &str); 5] = [
        ("namespace0.0", "dpmem0"),
        ("namespace0.1", "dpmem0.1"),
        ("namespace12.3", "dpmem12.3"),
        ("namespace7.0", "dpmem7"),
        (
            "namespace4294967295.4294967295",
            "dpmem4294967295.4294967295",
        ),
    ];
    for (ns, disk) in good {
        let name = naming::disk_name_for(ns);
        kexpect!(t, name.map(|n| n.as_str() == disk).unwrap_or(false));
        kexpect!(
            t,
            name.map(|n| n.as_bytes_with_nul().last() == Some(&0))
                .unwrap_or(false)
        );
    }
    let bad = [
        "",
        "namespace",
        "namespace0",
        "namespace0.",
        "namespace.0",
        "namespace00.1",
        "namespace0.01",
        "namespace-1.0",
        "namespace+1.0",
        "namespace4294967296.0",
        "pfn0.0",
        "namespace0.0x",
        "namespace0.0.0",
        "Namespace0.0",
    ];
    for ns in bad {
        kexpect!(t, naming::disk_name_for(ns).is_none());
    }
}

/// Region and index are parsed exactly, including the largest ids.
#[no_mangle]
pub extern "C" fn dpmem_kunit_namespace_ids(test: *mut bindings::kunit) {
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let id = naming::parse_namespace_name("namespace3.14");
    kexpect!(
        t,
        id.map(|i| i.region == 3 && i.index == 14).unwrap_or(false)
    );
    let id = naming::parse_namespace_name("namespace4294967295.0");
    kexpect!(
        t,
        id.map(|i| i.region == u32::MAX && i.index == 0)
            .unwrap_or(false)
    );
}

/// Re-seals a block after an edit, so only the field checks can catch it.
fn reseal(b: &mut [u8; infoblock::BLOCK_SIZE]) {
    let n = infoblock::BLOCK_SIZE;
    b[n - 8..].fill(0);
    let sum = infoblock::fletcher64(&b[..]);
    b[n - 8..].copy_from_slice(&sum.to_le_bytes());
}

/// Info block round trip, and every geometry constant, version, flag,
/// placement and layout field corrupted under a valid checksum is refused
/// with its own reason (in the kernel, with the module's own code).
#[no_mangle]
pub extern "C" fn dpmem_kunit_info_block(test: *mut bindings::kunit) {
    use infoblock::{DecodeError, InfoBlock};
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    const START: u64 = 4 << 30;
    const SIZE: u64 = 1 << 30;
    let Ok(ib) = InfoBlock::new(Placement::Head, START, SIZE, [7; 16], [9; 16]) else {
        kexpect!(t, false);
        return;
    };
    // 4 KiB blocks live on the heap, not the kernel stack.
    let Ok(mut good) = KBox::new([0u8; infoblock::BLOCK_SIZE], GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    ib.encode_into(&mut good);
    kexpect!(t, InfoBlock::decode(&good, START, SIZE) == Ok(ib));
    kexpect!(
        t,
        matches!(
            InfoBlock::decode(&good, START, SIZE * 2),
            Err(DecodeError::Resized { .. })
        )
    );
    kexpect!(
        t,
        matches!(
            InfoBlock::decode(&good, START + (2 << 20), SIZE),
            Err(DecodeError::Moved { .. })
        )
    );

    let Ok(mut b) = KBox::new([0u8; infoblock::BLOCK_SIZE], GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    /// A field edit: offset, width, value, and the refusal it must give.
    type Corruption = (usize, usize, u64, fn(&DecodeError) -> bool);
    let cases: [Corruption; 8] = [
        (0x10, 2, 2, |e| {
            matches!(e, DecodeError::UnsupportedVersion { major: 2, .. })
        }),
        (0x14, 4, 4, |e| matches!(e, DecodeError::UnknownFlags(4))),
        (0x68, 4, 8192, |e| {
            matches!(
                e,
                DecodeError::BadConstant {
                    field: "page size",
                    ..
                }
            )
        }),
        (0x6c, 4, 128, |e| {
            matches!(
                e,
                DecodeError::BadConstant {
                    field: "descriptor size",
                    ..
                }
            )
        }),
        (0x74, 4, 9, |e| {
            matches!(e, DecodeError::UnknownPlacement(9))
        }),
        (0x48, 8, 0, |e| {
            matches!(
                e,
                DecodeError::LayoutMismatch {
                    field: "data offset",
                    ..
                }
            )
        }),
        (0x50, 8, u64::MAX, |e| {
            matches!(
                e,
                DecodeError::LayoutMismatch {
                    field: "data size",
                    ..
                }
            )
        }),
        (0x60, 8, 1, |e| {
            matches!(
                e,
                DecodeError::LayoutMismatch {
                    field: "descriptor area size",
                    ..
                }
            )
        }),
    ];
    for (off, width, value, check) in cases {
        b.copy_from_slice(&good[..]);
        b[off..off + width].copy_from_slice(&value.to_le_bytes()[..width]);
        // Unsealed: the checksum catches it.
        kexpect!(
            t,
            matches!(
                InfoBlock::decode(&b, START, SIZE),
                Err(DecodeError::BadChecksum { .. })
            )
        );
        reseal(&mut b);
        kexpect!(
            t,
            InfoBlock::decode(&b, START, SIZE).map_err(|e| check(&e)) == Err(true)
        );
    }
}

/// The head layout from 16 MiB to 16 TiB: 2 MiB alignment, 1.5625 % plus at
/// most one alignment unit, no overflow.
#[no_mangle]
pub extern "C" fn dpmem_kunit_layout_table(test: *mut bindings::kunit) {
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let mut size: u64 = 16 << 20;
    while size <= 16 << 40 {
        for s in [size, size + (64 << 20), size - (2 << 20)] {
            match Layout::compute(Placement::Head, 1 << 40, s) {
                Ok(l) => {
                    kexpect!(t, l.data_offset % layout::ALIGN == 0);
                    kexpect!(t, l.data_size % layout::ALIGN == 0);
                    kexpect!(t, l.data_offset + l.data_size <= s);
                    kexpect!(t, l.data_offset >= s / 64);
                    kexpect!(t, l.data_offset <= s / 64 + 2 * layout::ALIGN);
                    kexpect!(t, l.overhead_ppm() >= 15_625);
                }
                Err(_) => kexpect!(t, false),
            }
        }
        size *= 2;
    }
    kexpect!(t, Layout::compute(Placement::Head, 0, 2 << 20).is_err());
    kexpect!(t, Layout::compute(Placement::Head, 4096, 1 << 30).is_err());
}

/// The bio segment iterator (a Rust re-implementation of
/// `bio_for_each_bvec`) walks multi-page bvecs from wherever the bio's
/// iterator stands, and stops at its size.
#[no_mangle]
pub extern "C" fn dpmem_kunit_bio_segments(test: *mut bindings::kunit) {
    use crate::block::{Bio, Segment};
    use kernel::page::Page;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let pages = [
        Page::alloc_page(GFP_KERNEL),
        Page::alloc_page(GFP_KERNEL),
        Page::alloc_page(GFP_KERNEL),
    ];
    let [Ok(a), Ok(b), Ok(c)] = &pages else {
        kexpect!(t, false);
        return;
    };
    // The middle bvec spans two pages' worth: only addresses are compared,
    // nothing is dereferenced.
    let vecs = [
        bindings::bio_vec {
            bv_page: a.as_ptr(),
            bv_len: 3584,
            bv_offset: 512,
        },
        bindings::bio_vec {
            bv_page: b.as_ptr(),
            bv_len: 8192,
            bv_offset: 0,
        },
        bindings::bio_vec {
            bv_page: c.as_ptr(),
            bv_len: 1024,
            bv_offset: 1024,
        },
    ];
    let at = |page: &Page, off: u32| {
        // SAFETY: address arithmetic on a live page (no HIGHMEM).
        unsafe { bindings::dpmem_bvec_virt(page.as_ptr(), off as usize) }.cast::<u8>()
    };
    // SAFETY: all-zero is a valid (idle) bio.
    let Ok(mut raw) = KBox::new(unsafe { core::mem::zeroed::<bindings::bio>() }, GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    raw.bi_io_vec = vecs.as_ptr().cast_mut();
    raw.bi_vcnt = 3;
    type Want = (u64, *mut u8, u32);
    let walk = |raw: &mut bindings::bio, iter: bindings::bvec_iter| -> (KVec<Want>, bool) {
        raw.bi_iter = iter;
        // SAFETY: a bio we own; it is never ended: `into_raw` below gives
        // it back before the wrapper could end it.
        let bio = unsafe { Bio::from_raw(raw) };
        let mut got = KVec::new();
        let mut segments = bio.segments();
        for s in segments.by_ref() {
            let s: Segment<'_> = s;
            let _ = got.push((s.sector(), s.addr(), s.len()), GFP_KERNEL);
        }
        let exhausted = segments.exhausted();
        // SAFETY: only takes the pointer back; nothing is handed to C.
        let _ = unsafe { bio.into_raw() };
        (got, exhausted)
    };
    let iter = |sector, size, idx, done| bindings::bvec_iter {
        bi_sector: sector,
        bi_size: size,
        bi_idx: idx,
        bi_bvec_done: done,
    };
    let (whole, whole_done) = walk(&mut raw, iter(100, 12800, 0, 0));
    let want: [Want; 3] = [
        (100, at(a, 512), 3584),
        (107, at(b, 0), 8192),
        (123, at(c, 1024), 1024),
    ];
    kexpect!(t, whole[..] == want[..]);
    kexpect!(t, whole_done);
    // Part-way through the middle bvec (the bio was partly completed).
    let (rest, rest_done) = walk(&mut raw, iter(200, 5120, 1, 4096));
    let want: [Want; 2] = [(200, at(b, 4096), 4096), (208, at(c, 1024), 1024)];
    kexpect!(t, rest[..] == want[..]);
    kexpect!(t, rest_done);
    // A bio shorter than its bvecs (split): stops at bi_size.
    let (short, _) = walk(&mut raw, iter(100, 1024, 0, 0));
    kexpect!(t, short[..] == [(100, at(a, 512), 1024)][..]);
    // An empty bio (a pure flush) has no segments.
    kexpect!(t, walk(&mut raw, iter(0, 0, 0, 0)).0.is_empty());
    // A corrupt iterator past the last bvec yields nothing rather than
    // reading beyond the array, and says the bio was not consumed (the
    // data path fails it instead of completing it).
    let (corrupt, corrupt_done) = walk(&mut raw, iter(0, 512, 3, 0));
    kexpect!(t, corrupt.is_empty());
    kexpect!(t, !corrupt_done);
    // A size beyond what the vector holds: everything the vector has is
    // yielded, and the shortfall is reported.
    let (over, over_done) = walk(&mut raw, iter(100, 12800 + 512, 0, 0));
    kexpect!(t, over.len() == 3);
    kexpect!(t, !over_done);
}

/// The data path of a bio contiguous on the media: its segments land one
/// after another in the span, both ways, and a bio larger than its span
/// fails without touching a byte past it.
#[no_mangle]
pub extern "C" fn dpmem_kunit_linear_span(test: *mut bindings::kunit) {
    use crate::block::{Bio, Status};
    use crate::io::transfer_linear;
    use crate::pmem::Span;
    use kernel::page::Page;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let (Ok(a), Ok(b)) = (Page::alloc_page(GFP_KERNEL), Page::alloc_page(GFP_KERNEL)) else {
        kexpect!(t, false);
        return;
    };
    let at = |page: &Page, off: usize| {
        // SAFETY: address arithmetic on a live page (no HIGHMEM).
        unsafe { bindings::dpmem_bvec_virt(page.as_ptr(), off) }.cast::<u8>()
    };
    // 1 KiB from the middle of one page, then all of another: 5 KiB.
    let vecs = [
        bindings::bio_vec {
            bv_page: a.as_ptr(),
            bv_len: 1024,
            bv_offset: 512,
        },
        bindings::bio_vec {
            bv_page: b.as_ptr(),
            bv_len: 4096,
            bv_offset: 0,
        },
    ];
    const SIZE: usize = 5120;
    let fill = |page: &Page, byte: u8| {
        // SAFETY: the page is ours and mapped for 4096 bytes.
        unsafe { core::ptr::write_bytes(at(page, 0), byte, 4096) };
    };
    /// `len` bytes of `page` from `off` (`off + len <= 4096`).
    fn page_bytes(page: &Page, off: usize, len: usize) -> &[u8] {
        // SAFETY: a live page, mapped (no HIGHMEM); the callers stay inside
        // it and write it only through raw pointers, never while the slice
        // is held.
        unsafe {
            core::slice::from_raw_parts(
                bindings::dpmem_bvec_virt(page.as_ptr(), off).cast::<u8>(),
                len,
            )
        }
    }
    // SAFETY: all-zero is a valid (idle) bio.
    let Ok(mut raw) = KBox::new(unsafe { core::mem::zeroed::<bindings::bio>() }, GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    raw.bi_io_vec = vecs.as_ptr().cast_mut();
    raw.bi_vcnt = 2;
    // Runs the bio (all of it) against `media`; whether every byte went.
    let run =
        |raw: &mut bindings::bio, media: &mut [u8], write: bool| -> (Result<(), Status>, bool) {
            raw.bi_iter = bindings::bvec_iter {
                bi_sector: 8,
                bi_size: SIZE as u32,
                bi_idx: 0,
                bi_bvec_done: 0,
            };
            // SAFETY: a bio we own; it is never ended: `into_raw` below gives
            // it back before the wrapper could end it.
            let bio = unsafe { Bio::from_raw(raw) };
            let mut segments = bio.segments();
            let r = transfer_linear(Span::of_buffer(media), write, &mut segments);
            let all = segments.exhausted();
            // SAFETY: only takes the pointer back; nothing is handed to C.
            let _ = unsafe { bio.into_raw() };
            (r, all)
        };
    let Ok(mut media) = KVec::from_elem(0u8, SIZE + 512, GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    // Write: the bio's bytes in order, nothing after them.
    fill(&a, 0xa1);
    fill(&b, 0xb2);
    let (r, all) = run(&mut raw, &mut media[..SIZE], true);
    kexpect!(t, r.is_ok() && all);
    kexpect!(t, media[..1024].iter().all(|&x| x == 0xa1));
    kexpect!(t, media[1024..SIZE].iter().all(|&x| x == 0xb2));
    kexpect!(t, media[SIZE..].iter().all(|&x| x == 0));
    // Read: each segment gets its own bytes of the span, the rest of the
    // first page is left alone.
    for (i, x) in media.iter_mut().enumerate() {
        *x = (i % 251) as u8;
    }
    fill(&a, 0);
    let (r, all) = run(&mut raw, &mut media[..SIZE], false);
    kexpect!(t, r.is_ok() && all);
    kexpect!(t, page_bytes(&a, 512, 1024) == &media[..1024]);
    kexpect!(t, page_bytes(&b, 0, 4096) == &media[1024..SIZE]);
    kexpect!(t, page_bytes(&a, 0, 512).iter().all(|&x| x == 0));
    kexpect!(t, page_bytes(&a, 1536, 2560).iter().all(|&x| x == 0));
    // A span shorter than the bio: the first segment fits and is written,
    // the second does not and fails the bio; nothing past the span moves.
    media.iter_mut().for_each(|x| *x = 0);
    fill(&a, 0xa1);
    let (r, _) = run(&mut raw, &mut media[..4096], true);
    kexpect!(t, r == Err(Status::IOERR));
    kexpect!(t, media[..1024].iter().all(|&x| x == 0xa1));
    kexpect!(t, media[1024..].iter().all(|&x| x == 0));
}

/// Our block status constants are the kernel's, by errno.
#[no_mangle]
pub extern "C" fn dpmem_kunit_blk_status(test: *mut bindings::kunit) {
    use crate::block::Status;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    kexpect!(t, Status::from_error(EIO) == Status::IOERR);
    kexpect!(
        t,
        Status::from_error(crate::eopnotsupp()) == Status::NOTSUPP
    );
    kexpect!(t, Status::OK.as_raw() == 0);
}

/// Sectioned placement maps device bytes around the descriptor chunks: a
/// segment that crosses from one section into the next is split around the
/// chunk, the last whole section ends the device, and 2 MiB-aligned device
/// offsets stay 2 MiB aligned on the media (huge-page faults).
#[no_mangle]
pub extern "C" fn dpmem_kunit_sectioned_map(test: *mut bindings::kunit) {
    use crate::block::{Bio, Status};
    use crate::io::{for_each_piece, locate};
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
    let last = locate(&l, l.data_size - 1, 1);
    kexpect!(t, last.map(|r| r.unit) == Ok(7));
    kexpect!(t, last.map(|r| r.map_off) == Ok((1 << 30) - 1));
    kexpect!(t, locate(&l, l.data_size - 512, 1024).is_err());
    // Every 2 MiB-aligned device offset: 2 MiB aligned on the media, with
    // at least 2 MiB contiguous, never inside a chunk.
    let mut off = 0;
    while off < l.data_size {
        match locate(&l, off, 2 * MIB) {
            Ok(r) => {
                let media = r.map_off;
                kexpect!(t, media % (2 * MIB) == 0 && r.len == 2 * MIB);
                kexpect!(t, media % layout::SECTION_SIZE >= 2 * MIB);
                kexpect!(t, r.unit == media / layout::SECTION_SIZE);
            }
            Err(_) => kexpect!(t, false),
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
        // SAFETY: a bio we own; `into_raw` gives it back before the
        // wrapper could end it.
        let bio = unsafe { Bio::from_raw(raw) };
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

/// Counts initialisations per unit; unit 5 always fails.
struct CountingInit {
    calls: [core::sync::atomic::AtomicU32; 8],
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
        // SAFETY: plain sleep; teardown runs in process context.
        unsafe { bindings::msleep(50) };
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
        // Long enough for every concurrent caller to arrive and wait.
        // SAFETY: plain sleep, in process context (a worker).
        unsafe { bindings::msleep(30) };
        if unit == 5 {
            return Err(EIO);
        }
        Ok(Undo(self.drops.clone()))
    }
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
/// all get its error and it is not retried; teardown undoes every
/// initialised unit once, several at a time; after it callers get ENXIO.
#[no_mangle]
pub extern "C" fn dpmem_kunit_lazy_concurrency(test: *mut bindings::kunit) {
    use crate::lazy::{Lazy, LazyOwner};
    use core::sync::atomic::Ordering;
    use kernel::sync::Arc;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let Ok(drops) = Arc::new(Drops::default(), GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
    let Ok(owner) = LazyOwner::new(
        CountingInit {
            calls: Default::default(),
            drops: drops.clone(),
        },
        8,
        kernel::c_str!("kunit"),
    ) else {
        kexpect!(t, false);
        return;
    };
    let Ok(out) = Arc::new(Outcomes::default(), GFP_KERNEL) else {
        kexpect!(t, false);
        return;
    };
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
        // SAFETY: plain sleep in the test's process context.
        unsafe { bindings::msleep(10) };
        waited += 1;
    }
    kexpect!(t, finished(&out) == callers);
    kexpect!(t, out.ok.load(Ordering::SeqCst) == 16 + 6);
    kexpect!(t, out.eio.load(Ordering::SeqCst) == 8);
    kexpect!(t, out.other.load(Ordering::SeqCst) == 0);
    let calls = &owner.initialiser().calls;
    kexpect!(t, calls.iter().all(|c| c.load(Ordering::SeqCst) == 1));
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
