// SPDX-License-Identifier: GPL-2.0

//! Poison reported in namespace sectors becomes bad device sectors only
//! where it lies in the data area, for both placements; `locate_range`
//! bounds a device range and cuts its run; uuids print as `%pU` does.

use dpmem_host::layout::*;
use dpmem_host::poison::*;
use dpmem_host::uuid::Uuid;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const S: u64 = SECTOR_SIZE;

fn split(l: &Layout, at: u64, len: u64) -> (Vec<BadSectors>, bool) {
    let mut v = Vec::new();
    let p = l.poison_to_device(at / S, (len / S) as u32, |b| v.push(b));
    (v, p.outside_data)
}

#[test]
fn head_poison_in_data_is_shifted_by_the_data_offset() {
    let l = Layout::compute(Placement::Head, 4 * GIB, GIB).unwrap();
    let (v, outside) = split(&l, l.data_offset + 4096, 1024);
    assert_eq!(
        v,
        [BadSectors {
            sector: 8,
            sectors: 2
        }]
    );
    assert!(!outside);
}

#[test]
fn head_poison_in_info_block_or_descriptors_has_no_device_sector() {
    let l = Layout::compute(Placement::Head, 4 * GIB, GIB).unwrap();
    for at in [INFO_OFFSET, DESC_OFFSET, l.data_offset - 4096] {
        let (v, outside) = split(&l, at, 4096);
        assert!(v.is_empty(), "at {at:#x}: {v:?}");
        assert!(outside);
    }
    // Straddling the data start: the data part is kept, the rest counted.
    let (v, outside) = split(&l, l.data_offset - 512, 1024);
    assert_eq!(
        v,
        [BadSectors {
            sector: 0,
            sectors: 1
        }]
    );
    assert!(outside);
}

#[test]
fn sectioned_poison_skips_chunks_and_follows_the_device_order() {
    let l = Layout::compute(Placement::Sectioned, 4 * GIB, GIB).unwrap();
    // The end of section 0's data and the start of section 1's, across
    // section 1's descriptor chunk.
    let sec1 = l.sections_offset + SECTION_SIZE;
    let (v, outside) = split(&l, sec1 - 4096, 4096 + CHUNK_SIZE + 4096);
    let m0 = l.unit_map(0).unwrap();
    let m1 = l.unit_map(1).unwrap();
    let end0 = m0.logical_start + (sec1 - m0.data_start);
    assert_eq!(
        v,
        [
            BadSectors {
                sector: end0 / S - 8,
                sectors: 8
            },
            BadSectors {
                sector: m1.logical_start / S,
                sectors: 8
            },
        ]
    );
    assert!(outside, "the chunk is not data");
    // Device sectors map back to the same media bytes.
    for b in &v {
        let e = l.locate(b.sector * S).unwrap();
        assert!(e.offset >= sec1 - 4096 && e.offset < sec1 + CHUNK_SIZE + 4096);
        assert!(!(sec1..sec1 + CHUNK_SIZE).contains(&e.offset));
    }
}

#[test]
fn poison_past_the_end_or_huge_does_not_overflow() {
    let l = Layout::compute(Placement::Sectioned, 4 * GIB, GIB).unwrap();
    let mut n = 0;
    let p = l.poison_to_device(u64::MAX, u32::MAX, |_| n += 1);
    assert_eq!(n, 0);
    assert!(!p.outside_data, "an empty range after saturation");
    let p = l.poison_to_device(u64::MAX / S - 4, u32::MAX, |_| n += 1);
    assert_eq!(n, 0);
    assert!(p.outside_data);
}

#[test]
fn locate_range_bounds_and_cuts() {
    for placement in [Placement::Head, Placement::Sectioned] {
        let l = Layout::compute(placement, 4 * GIB, GIB).unwrap();
        let e = l.locate_range(0, 4096).unwrap();
        assert_eq!((e.offset, e.len, e.unit), (l.data_offset, 4096, 0));
        assert!(l.locate_range(l.data_size - 4096, 4096).is_some());
        assert!(l.locate_range(l.data_size - 4096, 8192).is_none());
        assert!(l.locate_range(l.data_size, 0).is_none());
        assert!(l.locate_range(u64::MAX, 2).is_none());
        // A range across a run ends where the run does.
        let whole = l.locate(0).unwrap();
        let e = l.locate_range(0, l.data_size).unwrap();
        assert_eq!(e.len, whole.len.min(l.data_size), "{placement:?}");
    }
}

#[test]
fn uuid_prints_like_percent_pu() {
    let u: [u8; 16] = core::array::from_fn(|i| (i as u8) * 17);
    assert_eq!(
        format!("{}", Uuid(&u)),
        "00112233-4455-6677-8899-aabbccddeeff"
    );
    assert_eq!(
        Uuid(&[0; 16]).to_string(),
        "00000000-0000-0000-0000-000000000000"
    );
    let _ = MIB;
}

#[test]
fn grouped_poison_skips_a_groups_chunks_and_maps_through_locate() {
    let l = Layout::compute(Placement::Grouped, 4 * GIB, 5 * GIB).unwrap();
    // From 4 KiB before the end of group 0 to 4 KiB into group 1's data,
    // across group 1's 16 chunks (32 MiB).
    let g1 = 2 * GIB;
    let (v, outside) = split(&l, g1 - 4096, 4096 + 32 * MIB + 4096);
    let end0 = 16 * 126 * MIB - 2 * MIB;
    assert_eq!(
        v,
        [
            BadSectors {
                sector: (end0 - 4096) / S,
                sectors: 8
            },
            BadSectors {
                sector: end0 / S,
                sectors: 8
            }
        ]
    );
    assert!(outside);
    // A chunk inside a group (group 1's fifth) has no device sector.
    let (v, outside) = split(&l, g1 + 4 * CHUNK_SIZE + 8192, 4096);
    assert!(v.is_empty() && outside);
    // Every bad device sector reported is where locate puts it.
    for at in [l.data_offset, g1 + 32 * MIB + 12345 * 4096, 5 * GIB - 4096] {
        let (v, _) = split(&l, at, 4096);
        let e = l.locate(v[0].sector * S).unwrap();
        assert_eq!(e.offset, at, "{at:#x}");
    }
}
