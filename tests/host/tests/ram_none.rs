// SPDX-License-Identifier: GPL-2.0

//! Ram and none placement: no descriptors on the device, the data one run
//! from the first 2 MiB after the info block; ram's lazy units are 2 MiB
//! sub-section page maps without an altmap, none has no units. Their info
//! blocks, format words and poison mapping.

use dpmem_host::command::parse_format;
use dpmem_host::infoblock::*;
use dpmem_host::layout::*;
use dpmem_host::poison::SECTOR_SIZE;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;
const START: u64 = 4 * GIB;

#[test]
fn one_gib_gives_1022_mib_of_data() {
    for p in [Placement::Ram, Placement::BlockOnly] {
        let l = Layout::compute(p, START, GIB).unwrap();
        assert_eq!((l.data_offset, l.data_size), (2 * MIB, 1022 * MIB), "{p:?}");
        assert_eq!((l.desc_offset(), l.desc_size(), l.chunks()), (0, 0, 0));
        assert_eq!(l.mapped_len(), GIB);
        assert_eq!(l.overhead(), 2 * MIB);
        assert_eq!(l.linear_map_offset(), Some(2 * MIB));
    }
    let ram = Layout::compute(Placement::Ram, START, GIB).unwrap();
    assert_eq!((ram.units(), ram.npfns), (511, 1022 * MIB / PAGE_SIZE));
    let none = Layout::compute(Placement::BlockOnly, START, GIB).unwrap();
    assert_eq!((none.units(), none.npfns), (0, 0));
    // Against head: 1.5 % more data.
    let head = Layout::compute(Placement::Head, START, GIB).unwrap();
    assert_eq!(ram.data_size - head.data_size, 16 * MIB);
}

#[test]
fn same_data_area_for_ram_and_none_at_any_size() {
    // Reformatting one as the other leaves the data where it was.
    for size in [
        4 * MIB,
        6 * MIB + 4096,
        130 * MIB,
        GIB + 3 * MIB,
        TIB,
        16 * TIB,
    ] {
        let r = Layout::compute(Placement::Ram, START, size).unwrap();
        let n = Layout::compute(Placement::BlockOnly, START, size).unwrap();
        assert_eq!((r.data_offset, r.data_size), (n.data_offset, n.data_size));
        // Everything but the head 2 MiB and a partial tail unit.
        assert_eq!(r.data_size, size / ALIGN * ALIGN - ALIGN);
        assert_eq!(r.units() * RAM_UNIT, r.data_size);
    }
}

#[test]
fn limits() {
    for p in [Placement::Ram, Placement::BlockOnly] {
        assert_eq!(
            Layout::compute(p, START, 4 * MIB).unwrap().data_size,
            2 * MIB
        );
        for small in [0, 4096, 2 * MIB, 4 * MIB - 1] {
            assert_eq!(
                Layout::compute(p, START, small),
                Err(LayoutError::TooSmall(small))
            );
        }
        assert_eq!(
            Layout::compute(p, START + 4096, GIB),
            Err(LayoutError::MisalignedStart(START + 4096))
        );
        let big = Layout::compute(p, u64::MAX - (2 * MIB - 1), u64::MAX).unwrap();
        assert!(big.data_offset + big.data_size <= u64::MAX);
    }
}

#[test]
fn ram_runs_end_at_each_2_mib_unit_and_map_linearly() {
    let l = Layout::compute(Placement::Ram, START, GIB).unwrap();
    for logical in [
        0,
        4096,
        RAM_UNIT - 512,
        RAM_UNIT,
        7 * RAM_UNIT + 12345,
        l.data_size - 1,
    ] {
        let e = l.locate(logical).unwrap();
        assert_eq!(e.offset, l.data_offset + logical);
        assert_eq!(e.unit, logical / RAM_UNIT);
        assert_eq!(e.len, RAM_UNIT - logical % RAM_UNIT);
        let m = l.unit_map(e.unit).unwrap();
        // No altmap: the struct pages come from RAM.
        assert_eq!((m.reserve_pages, m.free_pages), (0, 0));
        assert_eq!(m.descriptors().1, 0);
        assert_eq!(
            (m.start, m.len, m.data_start),
            (e.offset - logical % RAM_UNIT, RAM_UNIT, m.start)
        );
        assert_eq!(m.logical_start, e.unit * RAM_UNIT);
        assert!(m.start <= e.offset && e.offset + e.len == m.start + m.len);
        assert_eq!(l.unit_at(e.offset), Some(e.unit));
        // Each unit is a PMD: 2 MiB aligned physically.
        assert_eq!((START + m.start) % (2 * MIB), 0);
    }
    assert_eq!(l.locate(l.data_size), None);
    assert_eq!(l.unit_map(l.units()), None);
    assert_eq!(l.unit_at(INFO_OFFSET), None);
    assert_eq!(l.unit_at(l.mapped_len()), None);
    // A range across a unit boundary is cut there.
    let e = l.locate_range(RAM_UNIT - 4096, 8192).unwrap();
    assert_eq!((e.len, e.unit), (4096, 0));
}

#[test]
fn none_is_one_run_without_units() {
    let l = Layout::compute(Placement::BlockOnly, START, GIB).unwrap();
    let e = l.locate(4096).unwrap();
    assert_eq!((e.offset, e.len), (2 * MIB + 4096, l.data_size - 4096));
    assert_eq!(l.unit_map(0), None);
    assert_eq!(l.unit_at(e.offset), None);
}

#[test]
fn poison_maps_linearly_and_the_head_is_outside() {
    for p in [Placement::Ram, Placement::BlockOnly] {
        let l = Layout::compute(p, START, GIB).unwrap();
        let mut v = Vec::new();
        // Across a 2 MiB unit boundary: still one range.
        let at = l.data_offset + RAM_UNIT - 4096;
        let s = l.poison_to_device(at / SECTOR_SIZE, 16, |b| v.push(b));
        assert!(!s.outside_data);
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].sector, v[0].sectors),
            ((RAM_UNIT - 4096) / SECTOR_SIZE, 16)
        );
        v.clear();
        let s = l.poison_to_device(INFO_OFFSET / SECTOR_SIZE, 8, |b| v.push(b));
        assert!(s.outside_data && v.is_empty());
        // Half before the data, half in it.
        let s = l.poison_to_device((l.data_offset - 4096) / SECTOR_SIZE, 16, |b| v.push(b));
        assert!(s.outside_data);
        assert_eq!((v[0].sector, v[0].sectors), (0, 8));
    }
}

#[test]
fn info_blocks_carry_their_flag_and_round_trip() {
    for (p, flag) in [
        (Placement::Ram, FLAG_RAM),
        (Placement::BlockOnly, FLAG_BLOCK_ONLY),
    ] {
        let info = InfoBlock::new(p, START, GIB, [3; 16], [4; 16]).unwrap();
        let mut b = [0u8; BLOCK_SIZE];
        info.encode_into(&mut b);
        assert_eq!(u32::from_le_bytes(b[0x14..0x18].try_into().unwrap()), flag);
        assert_eq!(u16::from_le_bytes(b[0x12..0x14].try_into().unwrap()), 3);
        // ram records its unit in 2 MiB blocks (1: 2 MiB); none leaves 0.
        assert_eq!(
            u32::from_le_bytes(b[0x84..0x88].try_into().unwrap()),
            u32::from(p == Placement::Ram)
        );
        assert_eq!(
            u32::from_le_bytes(b[0x74..0x78].try_into().unwrap()),
            p.to_raw()
        );
        assert_eq!(u64::from_le_bytes(b[0x58..0x60].try_into().unwrap()), 0);
        assert_eq!(u64::from_le_bytes(b[0x60..0x68].try_into().unwrap()), 0);
        assert_eq!(InfoBlock::decode(&b, START, GIB), Ok(info));
        // Without its flag (as if written by a confused tool), refused.
        b[0x14..0x18].copy_from_slice(&0u32.to_le_bytes());
        b[BLOCK_SIZE - 8..].fill(0);
        let sum = fletcher64(&b[..]);
        b[BLOCK_SIZE - 8..].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(
            InfoBlock::decode(&b, START, GIB),
            Err(DecodeError::LayoutMismatch {
                field: "feature flags",
                found: 0,
                expected: flag.into()
            })
        );
    }
}

#[test]
fn format_words() {
    let c = parse_format(b"namespace0.0 ram").unwrap();
    assert_eq!(c.placement, Some(Placement::Ram));
    let c = parse_format(b"namespace0.0 force none").unwrap();
    assert_eq!((c.placement, c.force), (Some(Placement::BlockOnly), true));
    assert!(parse_format(b"namespace0.0 ram none").is_err());
    assert!(parse_format(b"namespace0.0 none none").is_err());
    assert!(parse_format(b"namespace0.0 auto").is_err());
}
