// SPDX-License-Identifier: GPL-2.0

//! Head layout: overhead, alignment, limits, and that the reservation is
//! always enough for the kernel's vmemmap altmap allocator.

use dpmem_host::layout::*;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;

fn sizes() -> Vec<u64> {
    let mut v = vec![
        4 * MIB,
        6 * MIB,
        16 * MIB,
        130 * MIB,
        255 * MIB,
        256 * MIB,
        GIB,
        GIB + 2 * MIB,
    ];
    let mut s = 16 * MIB;
    while s <= 16 * TIB {
        v.push(s);
        v.push(s + 64 * MIB);
        s *= 2;
    }
    v
}

#[test]
fn overhead_is_1_5625_percent_plus_at_most_one_align_unit() {
    for size in sizes() {
        let l = Layout::compute(Placement::Head, 4 * GIB, size).unwrap();
        assert_eq!(l.data_offset % ALIGN, 0, "size {size}");
        assert_eq!(l.data_size % ALIGN, 0, "size {size}");
        assert!(l.data_offset + l.data_size <= size);
        let usable = size / ALIGN * ALIGN;
        // descriptors for every page (nd_pfn's npfns) ...
        assert_eq!(l.npfns, (usable - INFO_RESERVE) / PAGE_SIZE);
        assert!(l.data_offset >= INFO_RESERVE + l.npfns * DESC_SIZE);
        // ... and not more than one alignment unit beyond 1/64 of the size.
        assert!(
            l.data_offset <= usable / 64 + ALIGN + ALIGN,
            "size {size}: {l:?}"
        );
        let exact = (usable - l.data_size) as f64 / usable as f64;
        assert!(exact >= 0.015625, "size {size}");
        assert!(
            exact <= 0.015625 + 2.0 * ALIGN as f64 / usable as f64,
            "size {size}"
        );
    }
}

#[test]
fn one_gib_figures() {
    let l = Layout::compute(Placement::Head, 4 * GIB, GIB).unwrap();
    assert_eq!(l.data_offset, 18 * MIB);
    assert_eq!(l.data_size, GIB - 18 * MIB);
    assert_eq!(l.chunks(), 8);
    assert_eq!(l.altmap_pages(), (2, (18 * MIB - 8192) / 4096));
    assert_eq!(l.overhead_ppm(), 17578);
}

#[test]
fn smallest_and_too_small() {
    let l = Layout::compute(Placement::Head, 0, 4 * MIB).unwrap();
    assert_eq!((l.data_offset, l.data_size), (2 * MIB, 2 * MIB));
    for size in [0, 4096, 8192, 2 * MIB, 4 * MIB - 1, 4 * MIB - 4096] {
        assert_eq!(
            Layout::compute(Placement::Head, 0, size),
            Err(LayoutError::TooSmall(size))
        );
    }
}

#[test]
fn start_must_be_2mib_aligned() {
    for start in [4096, MIB, 2 * MIB + 4096, 4 * GIB - 4096] {
        assert_eq!(
            Layout::compute(Placement::Head, start, GIB),
            Err(LayoutError::MisalignedStart(start))
        );
    }
}

#[test]
fn huge_sizes_do_not_overflow() {
    for size in [u64::MAX, u64::MAX - 4095, 1 << 63, 64 * TIB * 1024] {
        let l = Layout::compute(Placement::Head, 0, size).unwrap();
        assert!(l.data_offset < l.namespace_size);
        assert!(l.data_offset.checked_add(l.data_size).unwrap() <= size);
    }
    assert!(Layout::compute(Placement::Head, u64::MAX - (2 * MIB - 1), u64::MAX).is_ok());
}

#[test]
fn sectioned_is_reserved_for_now() {
    assert_eq!(
        Layout::compute(Placement::Sectioned, 0, GIB),
        Err(LayoutError::UnsupportedPlacement(Placement::Sectioned))
    );
    assert_eq!(Placement::from_raw(0), Some(Placement::Head));
    assert_eq!(Placement::from_raw(1), Some(Placement::Sectioned));
    assert_eq!(Placement::from_raw(2), None);
}

/// Simulates x86 `vmemmap_populate` + `altmap_alloc_block_buf` for a pagemap
/// over the whole namespace: each fully covered 128 MiB section takes one
/// 2 MiB block, aligned to 2 MiB physical, after `reserve` pages. Returns the
/// first pfn past the last block, or None if the altmap runs out (-ENOMEM).
fn simulate_altmap(start: u64, size: u64, reserve: u64, free: u64) -> Option<u64> {
    let base = start / PAGE_SIZE;
    let (mut alloc, mut align) = (0u64, 0u64);
    let end = start + size;
    let mut sec = (start + SECTION_SIZE - 1) / SECTION_SIZE * SECTION_SIZE;
    let mut next_pfn = base + reserve;
    while sec + SECTION_SIZE <= end {
        let pfn = base + reserve + alloc + align;
        let nr_align = (pfn + 511) / 512 * 512 - pfn;
        if 512 + nr_align > free.saturating_sub(alloc + align) {
            return None;
        }
        alloc += 512;
        align += nr_align;
        next_pfn = pfn + nr_align + 512;
        sec += SECTION_SIZE;
    }
    Some(next_pfn)
}

#[test]
fn reservation_suffices_for_the_altmap_at_every_placement() {
    for size in sizes().into_iter().filter(|&s| s <= 64 * GIB) {
        // Every 2 MiB-aligned start within one section period.
        for k in 0..64 {
            let start = 16 * GIB + k * ALIGN;
            let l = Layout::compute(Placement::Head, start, size).unwrap();
            let (reserve, free) = l.altmap_pages();
            let usable = size / ALIGN * ALIGN;
            let end_pfn = simulate_altmap(start, usable, reserve, free)
                .unwrap_or_else(|| panic!("altmap exhausted: size {size} start {start:#x}"));
            // Descriptors never reach into the data area.
            assert!(
                end_pfn * PAGE_SIZE <= start + l.data_offset,
                "size {size} start {start:#x}"
            );
        }
    }
}
