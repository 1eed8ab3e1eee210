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
    // The data mapping starts at the namespace (1 GiB pages when aligned).
    assert_eq!(l.mapped_len(), GIB);
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
fn placement_values() {
    assert_eq!(Placement::from_raw(0), Some(Placement::Head));
    assert_eq!(Placement::from_raw(1), Some(Placement::Sectioned));
    assert_eq!(Placement::from_raw(2), Some(Placement::Grouped));
    assert_eq!(Placement::from_raw(3), Some(Placement::Ram));
    assert_eq!(Placement::from_raw(4), Some(Placement::BlockOnly));
    assert_eq!(Placement::from_raw(5), None);
    for p in Placement::ALL {
        assert_eq!(Placement::from_raw(p.to_raw()), Some(p));
        assert_eq!(Placement::from_name(p.name()), Some(p));
        // DAX needs struct pages; only `none` has neither.
        assert_eq!(p.has_dax(), p != Placement::BlockOnly);
    }
    assert_eq!(Placement::BlockOnly.name(), "none");
    assert_eq!(Placement::from_name("auto"), None);
}

#[test]
fn sectioned_one_gib_figures() {
    let l = Layout::compute(Placement::Sectioned, 4 * GIB, GIB).unwrap();
    assert_eq!(l.sections, 8);
    assert_eq!(l.sections_offset, 0);
    assert_eq!(l.data_offset, 4 * MIB);
    // Same capacity as head: 124 + 7 * 126 MiB.
    assert_eq!(l.data_size, GIB - 18 * MIB);
    assert_eq!(l.desc_offset(), 2 * MIB);
    assert_eq!((l.desc_size(), l.chunks(), l.units()), (16 * MIB, 8, 8));
    assert_eq!(
        l.unit_map(0),
        Some(UnitMap {
            start: 0,
            len: SECTION_SIZE,
            reserve_pages: 512,
            free_pages: 512,
            data_start: 4 * MIB,
            logical_start: 0,
        })
    );
    assert_eq!(
        l.unit_map(3),
        Some(UnitMap {
            start: 3 * SECTION_SIZE,
            len: SECTION_SIZE,
            reserve_pages: 0,
            free_pages: 512,
            data_start: 3 * SECTION_SIZE + 2 * MIB,
            logical_start: 124 * MIB + 2 * 126 * MIB,
        })
    );
    assert_eq!(l.unit_map(8), None);
    // Crossing from section 0 into section 1.
    assert_eq!(
        l.locate(124 * MIB - 512),
        Some(Extent {
            offset: 128 * MIB - 512,
            len: 512,
            unit: 0
        })
    );
    assert_eq!(
        l.locate(124 * MIB),
        Some(Extent {
            offset: 130 * MIB,
            len: 126 * MIB,
            unit: 1
        })
    );
    let last = l.data_size - 4096;
    assert_eq!(
        l.locate(last),
        Some(Extent {
            offset: GIB - 4096,
            len: 4096,
            unit: 7
        })
    );
    assert_eq!(l.locate(l.data_size), None);
    assert_eq!(l.locate(u64::MAX), None);
}

#[test]
fn sectioned_leaves_partial_sections_unused() {
    // Starts 64 MiB into a section, ends 64 MiB into another: 7 whole ones.
    let l = Layout::compute(Placement::Sectioned, 4 * GIB + 64 * MIB, GIB).unwrap();
    assert_eq!((l.sections_offset, l.sections), (64 * MIB, 7));
    // The info block sits in the unused head, so every section has 126 MiB.
    assert_eq!(l.data_offset, 66 * MIB);
    assert_eq!(l.data_size, 7 * 126 * MIB);
    assert_eq!(l.unit_map(0).unwrap().reserve_pages, 0);
    // 2 MiB into a section: the info block is in the partial head.
    let l = Layout::compute(Placement::Sectioned, 4 * GIB - 2 * MIB, GIB).unwrap();
    assert_eq!(
        (l.sections_offset, l.sections, l.data_offset),
        (2 * MIB, 7, 4 * MIB)
    );
}

#[test]
fn sectioned_needs_a_whole_section() {
    let l = Layout::compute(Placement::Sectioned, 0, SECTION_SIZE).unwrap();
    assert_eq!((l.sections, l.data_size), (1, 124 * MIB));
    for (start, size) in [
        (0, SECTION_SIZE - ALIGN),
        (2 * MIB, SECTION_SIZE),
        (64 * MIB, SECTION_SIZE + 62 * MIB),
        (0, 0),
    ] {
        assert_eq!(
            Layout::compute(Placement::Sectioned, start, size),
            Err(LayoutError::NoWholeSection(start, size))
        );
    }
    assert_eq!(
        Layout::compute(Placement::Sectioned, 1 << 20, GIB),
        Err(LayoutError::MisalignedStart(1 << 20))
    );
}

#[test]
fn sectioned_huge_sizes_do_not_overflow() {
    for (start, size) in [
        (0, u64::MAX),
        (2 * MIB, u64::MAX - 2 * MIB),
        (
            u64::MAX - (2 * MIB - 1) - 4 * SECTION_SIZE,
            4 * SECTION_SIZE,
        ),
        (1 << 63, 1 << 63),
    ] {
        let l = Layout::compute(Placement::Sectioned, start / ALIGN * ALIGN, size);
        if let Ok(l) = l {
            assert!(l.data_size <= size);
            let e = l.locate(l.data_size - 1).unwrap();
            assert_eq!(e.unit, l.sections - 1);
            assert!(e.offset < size);
        }
    }
    assert!(Layout::compute(Placement::Sectioned, u64::MAX - (2 * MIB - 1), 4 * GIB).is_err());
}

/// Sectioned layouts, and grouped ones with several unit sizes (the
/// default, one section, one that does not divide the section count, the
/// largest).
fn lazy_layouts(start: u64, size: u64) -> Vec<Layout> {
    let mut v = vec![
        Layout::compute(Placement::Sectioned, start, size).unwrap(),
        Layout::compute(Placement::Grouped, start, size).unwrap(),
    ];
    for n in [1, 3, MAX_GROUP_SECTIONS] {
        v.push(Layout::compute_grouped(start, size, n).unwrap());
    }
    v
}

/// Every 2 MiB logical block of a sectioned or grouped layout: mapped once,
/// inside its unit's data, never onto a chunk or the info block, 2 MiB
/// aligned, and the units' logical ranges tile the device.
#[test]
fn sectioned_map_is_a_pmd_aligned_bijection() {
    for (start, size) in [
        (4 * GIB, GIB),
        (4 * GIB + 64 * MIB, GIB),
        (4 * GIB - 2 * MIB, 3 * GIB + 10 * MIB),
        (0, SECTION_SIZE),
        (6 * GIB, 64 * GIB),
        (2 * MIB, 7 * GIB),
    ] {
        for l in lazy_layouts(start, size) {
            let mut seen = std::collections::HashSet::new();
            let mut logical = 0;
            while logical < l.data_size {
                let e = l.locate(logical).unwrap();
                let u = l.unit_map(e.unit).unwrap();
                assert_eq!((start + e.offset) % ALIGN, 0);
                assert!(e.len >= ALIGN && e.len % ALIGN == 0);
                assert!(e.offset >= u.data_start && e.offset + e.len == u.start + u.len);
                assert_eq!(e.offset - u.data_start, logical - u.logical_start);
                assert!(e.offset >= 8192 && e.offset + ALIGN <= size);
                assert!(e.offset + e.len <= l.mapped_len() && l.mapped_len() <= size);
                assert!(seen.insert(e.offset));
                // The whole run is contiguous.
                let end = l.locate(logical + e.len - 4096).unwrap();
                assert_eq!(end.offset, e.offset + e.len - 4096);
                logical += ALIGN;
            }
            assert_eq!(seen.len() as u64, l.data_size / ALIGN);
            let mut next = 0;
            for unit in 0..l.units() {
                let u = l.unit_map(unit).unwrap();
                assert_eq!(u.logical_start, next);
                assert_eq!((start + u.start) % SECTION_SIZE, 0);
                next += u.start + u.len - u.data_start;
                // The section's own altmap holds its struct pages, before its
                // data (x86 vmemmap_populate + altmap_alloc_block_buf).
                let end_pfn =
                    simulate_altmap(start + u.start, u.len, u.reserve_pages, u.free_pages)
                        .unwrap_or_else(|| panic!("altmap exhausted: unit {unit}"));
                assert_eq!(end_pfn * PAGE_SIZE, start + u.data_start);
            }
            assert_eq!(next, l.data_size);
            assert!(l.overhead_ppm() >= 15625);
        }
    }
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

#[test]
fn linear_map_offset_is_the_head_run() {
    // The I/O path places head-placement bytes by one addition: that must
    // agree with `locate` everywhere, and sectioned must not offer it.
    for size in sizes() {
        let Ok(l) = Layout::compute(Placement::Head, 0, size) else {
            continue;
        };
        let base = l.linear_map_offset().unwrap();
        for logical in [0, 4096, l.data_size / 2, l.data_size - 512] {
            let e = l.locate(logical).unwrap();
            assert_eq!(e.offset, base + logical);
            assert_eq!(e.offset + e.len, base + l.data_size);
        }
        // The mapping ends where the data does: its bounds check is then
        // the device's end, the only one the head I/O path makes.
        assert_eq!(base + l.data_size, l.mapped_len());
    }
    let s = Layout::compute(Placement::Sectioned, 4 * GIB, GIB).unwrap();
    assert_eq!(s.linear_map_offset(), None);
}

#[test]
fn descriptors_are_the_altmap_pages_struct_pages_go_to() {
    const GIB: u64 = 1 << 30;
    for placement in [Placement::Head, Placement::Sectioned, Placement::Grouped] {
        for size in [GIB, 3 * GIB + (256 << 20), 5 * GIB] {
            let l = Layout::compute(placement, 4 * GIB, size).unwrap();
            let mut data = 0;
            for u in 0..l.units() {
                let m = l.unit_map(u).unwrap();
                let (off, len) = m.descriptors();
                // Enough for the unit's struct pages, and right before its
                // data, never over the info block.
                assert!(
                    len * PAGE_SIZE / DESC_SIZE >= m.len,
                    "{placement:?} unit {u}"
                );
                assert_eq!(off + len, m.data_start, "{placement:?} unit {u}");
                assert!(off >= INFO_RESERVE, "{placement:?} unit {u}");
                assert_eq!(m.logical_start, data, "{placement:?} unit {u}");
                data += m.data_len();
            }
            assert_eq!(data, l.data_size, "{placement:?} {size}");
            if placement == Placement::Sectioned {
                let m = l.unit_map(1).unwrap();
                assert_eq!(m.descriptors(), (m.start, CHUNK_SIZE));
            }
        }
    }
}

#[test]
fn unit_at_is_the_unit_whose_page_map_covers_the_offset() {
    for placement in [Placement::Head, Placement::Sectioned, Placement::Grouped] {
        for (start, size) in [
            (4 * GIB, GIB),
            (4 * GIB - 2 * MIB, 3 * GIB + 10 * MIB),
            (4 * GIB, 5 * GIB),
        ] {
            let l = Layout::compute(placement, start, size).unwrap();
            for unit in 0..l.units() {
                let u = l.unit_map(unit).unwrap();
                for off in [u.start, u.data_start, u.start + u.len - 1] {
                    assert_eq!(l.unit_at(off), Some(unit), "{placement:?} {off:#x}");
                }
            }
            // Every data byte is in a unit; nothing past the last one is.
            let mut logical = 0;
            while logical < l.data_size {
                let e = l.locate(logical).unwrap();
                assert_eq!(l.unit_at(e.offset), Some(e.unit));
                logical += ALIGN;
            }
            assert_eq!(l.unit_at(l.mapped_len()), None);
            assert_eq!(l.unit_at(u64::MAX), None);
            if l.sections_offset > 0 {
                assert_eq!(l.unit_at(l.sections_offset - 1), None);
            }
        }
    }
}

#[test]
fn grouped_figures() {
    let l = Layout::compute(Placement::Grouped, 4 * GIB, 5 * GIB).unwrap();
    assert_eq!((l.sections, l.unit_sections, l.units()), (40, 16, 3));
    // Info block, then the 16 chunks of unit 0, then its data.
    assert_eq!(l.data_offset, 2 * MIB + 32 * MIB);
    assert_eq!(l.desc_offset(), 2 * MIB);
    assert_eq!((l.desc_size(), l.chunks()), (80 * MIB, 40));
    // Same capacity as sectioned: 40 sections of 126 MiB less the info block.
    assert_eq!(l.data_size, 40 * 126 * MIB - 2 * MIB);
    let s = Layout::compute(Placement::Sectioned, 4 * GIB, 5 * GIB).unwrap();
    assert_eq!(l.data_size, s.data_size);
    assert_eq!(
        l.unit_map(0),
        Some(UnitMap {
            start: 0,
            len: 2 * GIB,
            reserve_pages: 512,
            free_pages: 16 * 512,
            data_start: 34 * MIB,
            logical_start: 0,
        })
    );
    // The last unit has the 8 sections left.
    assert_eq!(
        l.unit_map(2),
        Some(UnitMap {
            start: 4 * GIB,
            len: GIB,
            reserve_pages: 0,
            free_pages: 8 * 512,
            data_start: 4 * GIB + 16 * MIB,
            logical_start: 2 * 16 * 126 * MIB - 2 * MIB,
        })
    );
    assert_eq!(l.unit_map(3), None);
    // Crossing from unit 0 into unit 1, and the last byte.
    let end0 = 16 * 126 * MIB - 2 * MIB;
    assert_eq!(
        l.locate(end0 - 512),
        Some(Extent {
            offset: 2 * GIB - 512,
            len: 512,
            unit: 0
        })
    );
    assert_eq!(
        l.locate(end0),
        Some(Extent {
            offset: 2 * GIB + 32 * MIB,
            len: 16 * 126 * MIB,
            unit: 1
        })
    );
    assert_eq!(
        l.locate(l.data_size - 4096),
        Some(Extent {
            offset: 5 * GIB - 4096,
            len: 4096,
            unit: 2
        })
    );
    assert_eq!(l.locate(l.data_size), None);
}

#[test]
fn one_section_groups_are_the_sectioned_layout() {
    for (start, size) in [
        (4 * GIB, GIB),
        (4 * GIB + 64 * MIB, 3 * GIB),
        (0, SECTION_SIZE),
    ] {
        let s = Layout::compute(Placement::Sectioned, start, size).unwrap();
        let g = Layout::compute_grouped(start, size, 1).unwrap();
        assert_eq!(
            Layout {
                placement: Placement::Sectioned,
                ..g
            },
            s
        );
    }
}

#[test]
fn grouped_unit_sizes_and_limits() {
    for n in [0, MAX_GROUP_SECTIONS + 1, u64::MAX] {
        assert_eq!(
            Layout::compute_grouped(4 * GIB, GIB, n),
            Err(LayoutError::BadUnitSections(n))
        );
    }
    assert_eq!(
        Layout::compute_grouped(MIB, GIB, 16),
        Err(LayoutError::MisalignedStart(MIB))
    );
    assert_eq!(
        Layout::compute(Placement::Grouped, 2 * MIB, SECTION_SIZE),
        Err(LayoutError::NoWholeSection(2 * MIB, SECTION_SIZE))
    );
    // A namespace smaller than a group is one unit of what it has.
    let l = Layout::compute(Placement::Grouped, 4 * GIB, GIB).unwrap();
    assert_eq!((l.units(), l.unit_map(0).unwrap().len), (1, GIB));
    // 1 TiB: 512 units of 2 GiB.
    let l = Layout::compute(Placement::Grouped, 4 * GIB, TIB).unwrap();
    assert_eq!(l.units(), 512);
    for (start, size) in [(0, u64::MAX), (1 << 62, 1 << 62)] {
        let l = Layout::compute_grouped(start, size, MAX_GROUP_SECTIONS).unwrap();
        let e = l.locate(l.data_size - 1).unwrap();
        assert_eq!(e.unit, l.units() - 1);
        assert_eq!(l.unit_at(e.offset), Some(e.unit));
    }
}

#[test]
fn auto_placement_is_grouped_unless_partial_sections_cost_over_1_percent() {
    // Aligned: grouped, at any size with a whole section.
    for size in [SECTION_SIZE, GIB, 16 * GIB, TIB] {
        assert_eq!(auto_placement(4 * GIB, size), Placement::Grouped, "{size}");
    }
    // No whole section, or a misaligned start: head (which then says why
    // if it cannot either).
    assert_eq!(
        auto_placement(4 * GIB + 64 * MIB, SECTION_SIZE),
        Placement::Head
    );
    assert_eq!(auto_placement(4 * GIB, 64 * MIB), Placement::Head);
    assert_eq!(auto_placement(MIB, GIB), Placement::Head);
    // 1 GiB starting mid-section: 7 of 8 sections usable, 12 % lost: head.
    assert_eq!(auto_placement(4 * GIB + 64 * MIB, GIB), Placement::Head);
    // 64 GiB starting mid-section: one section lost of 512, under 1 %.
    assert_eq!(
        auto_placement(4 * GIB + 64 * MIB, 64 * GIB),
        Placement::Grouped
    );
    for (start, size) in [(4 * GIB + 64 * MIB, 8 * GIB), (4 * GIB + 2 * MIB, 20 * GIB)] {
        let p = auto_placement(start, size);
        let h = Layout::compute(Placement::Head, start, size).unwrap();
        let g = Layout::compute(Placement::Grouped, start, size).unwrap();
        assert_eq!(
            p == Placement::Grouped,
            g.data_size * 100 >= h.data_size * 99
        );
    }
}
