// SPDX-License-Identifier: GPL-2.0

//! KUnit: the bio segment iterator, the linear data path, block status.

use super::Test;
use crate::abstractions::bindings;
use crate::kexpect;
use kernel::prelude::*;

/// The bio segment iterator (a Rust re-implementation of
/// `bio_for_each_bvec`) walks multi-page bvecs from wherever the bio's
/// iterator stands, and stops at its size.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_bio_segments(test: *mut bindings::kunit) {
    use crate::abstractions::block::{Bio, Segment};
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
        // SAFETY: its vectors point at live pages (above); `into_raw`
        // below takes the wrapper back, which is never dropped or ended.
        let bio = unsafe { Bio::for_test(raw) };
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
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_linear_span(test: *mut bindings::kunit) {
    use crate::abstractions::block::{Bio, Status};
    use crate::abstractions::pmem::Span;
    use crate::io::transfer_linear;
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
            // SAFETY: its vectors point at live pages (above); `into_raw`
            // below takes the wrapper back, which is never dropped or ended.
            let bio = unsafe { Bio::for_test(raw) };
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
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_blk_status(test: *mut bindings::kunit) {
    use crate::abstractions::block::Status;
    use crate::abstractions::errno::eopnotsupp;
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    kexpect!(t, Status::from_error(EIO) == Status::IOERR);
    kexpect!(t, Status::from_error(eopnotsupp()) == Status::NOTSUPP);
    kexpect!(t, Status::OK.as_raw() == 0);
}
