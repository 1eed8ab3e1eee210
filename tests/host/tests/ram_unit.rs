// SPDX-License-Identifier: GPL-2.0

//! Ram placement with units larger than 2 MiB (info block 1.3): the data
//! area is the same for every unit, units tile it with a shorter last
//! one, DAX runs end at the unit end, and the unit survives the info block
//! (a 1.2 block, which left the field zero, means 2 MiB).

use dpmem_host::infoblock::*;
use dpmem_host::layout::*;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const START: u64 = 4 * GIB;

fn ram(size: u64, unit: u64) -> Layout {
    Layout::compute_ram(START, size, unit).unwrap()
}

#[test]
fn the_unit_does_not_move_the_data() {
    for size in [4 * MIB, 130 * MIB, GIB, 16 * GIB + 6 * MIB] {
        let two = Layout::compute(Placement::Ram, START, size).unwrap();
        assert_eq!(two.ram_unit, RAM_UNIT);
        for unit in [2 * MIB, 6 * MIB, 32 * MIB, 128 * MIB] {
            let l = ram(size, unit);
            assert_eq!(
                (l.data_offset, l.data_size),
                (two.data_offset, two.data_size)
            );
            assert_eq!(l.npfns, two.npfns);
            assert_eq!(l.linear_map_offset(), two.linear_map_offset());
        }
    }
}

#[test]
fn units_tile_the_data_with_a_shorter_last_one() {
    // 1 GiB: 1022 MiB of data = 7 units of 128 MiB and one of 126 MiB.
    let l = ram(GIB, 128 * MIB);
    assert_eq!(l.units(), 8);
    let mut next = l.data_offset;
    for u in 0..l.units() {
        let m = l.unit_map(u).unwrap();
        assert_eq!((m.start, m.data_start), (next, next), "unit {u}");
        assert_eq!(m.logical_start, next - l.data_offset);
        assert_eq!((m.reserve_pages, m.free_pages), (0, 0));
        assert_eq!(m.len, if u < 7 { 128 * MIB } else { 126 * MIB });
        assert_eq!(m.data_len(), m.len);
        assert_eq!(l.unit_at(m.start), Some(u));
        assert_eq!(l.unit_at(m.start + m.len - 1), Some(u));
        next += m.len;
    }
    assert_eq!(next, l.data_offset + l.data_size);
    assert_eq!(l.unit_map(8), None);
    assert_eq!(l.unit_at(next), None);
    assert_eq!(l.unit_at(l.data_offset - 1), None);
    // A unit that divides the data: no short one.
    assert_eq!(ram(GIB, 2 * MIB).units(), 511);
    assert_eq!(ram(130 * MIB, 32 * MIB).units(), 4); // 128 MiB of data
}

#[test]
fn runs_end_at_the_unit_end_and_the_data_end() {
    let l = ram(GIB, 32 * MIB);
    let e = l.locate(0).unwrap();
    assert_eq!((e.offset, e.len, e.unit), (2 * MIB, 32 * MIB, 0));
    let e = l.locate(33 * MIB).unwrap();
    assert_eq!((e.offset, e.len, e.unit), (35 * MIB, 31 * MIB, 1));
    // The last unit holds 30 MiB (1022 = 31 * 32 + 30).
    let e = l.locate(l.data_size - 4096).unwrap();
    assert_eq!((e.len, e.unit), (4096, 31));
    assert_eq!(l.locate(l.data_size), None);
    let e = l.locate_range(992 * MIB, 30 * MIB).unwrap();
    assert_eq!((e.offset, e.len, e.unit), (994 * MIB, 30 * MIB, 31));
    assert_eq!(l.locate_range(992 * MIB, 30 * MIB + 1), None);
    // Every run stays inside its unit's page map.
    for logical in (0..l.data_size).step_by(3 * MIB as usize + 4096) {
        let e = l.locate(logical).unwrap();
        let m = l.unit_map(e.unit).unwrap();
        assert!(e.offset >= m.start && e.offset + e.len <= m.start + m.len);
        assert!(e.offset + e.len == m.start + m.len);
    }
}

#[test]
fn bad_units_are_refused() {
    for unit in [0, MIB, 3 * MIB, 130 * MIB, 256 * MIB, u64::MAX] {
        assert_eq!(
            Layout::compute_ram(START, GIB, unit),
            Err(LayoutError::BadRamUnit(unit))
        );
    }
    assert_eq!(
        Layout::compute_ram(START + MIB, GIB, 2 * MIB),
        Err(LayoutError::MisalignedStart(START + MIB))
    );
}

fn reseal(b: &mut [u8; BLOCK_SIZE]) {
    b[BLOCK_SIZE - 8..].fill(0);
    let sum = fletcher64(&b[..]);
    b[BLOCK_SIZE - 8..].copy_from_slice(&sum.to_le_bytes());
}

fn field(b: &[u8; BLOCK_SIZE]) -> u32 {
    u32::from_le_bytes(b[0x84..0x88].try_into().unwrap())
}

#[test]
fn the_info_block_keeps_the_unit() {
    for unit in [2 * MIB, 64 * MIB, 128 * MIB] {
        let info = InfoBlock::for_layout(ram(GIB, unit), START, [1; 16], [2; 16]);
        let mut b = [0u8; BLOCK_SIZE];
        info.encode_into(&mut b);
        assert_eq!(field(&b), (unit / MIB / 2) as u32);
        assert_eq!(u16::from_le_bytes(b[0x12..0x14].try_into().unwrap()), 3);
        let back = InfoBlock::decode(&b, START, GIB).unwrap();
        assert_eq!(back, info);
        assert_eq!(back.layout.ram_unit, unit);
    }
}

#[test]
fn a_1_2_block_means_2_mib_units() {
    let info = InfoBlock::new(Placement::Ram, START, GIB, [1; 16], [2; 16]).unwrap();
    let mut b = [0u8; BLOCK_SIZE];
    info.encode_into(&mut b);
    b[0x84..0x88].fill(0);
    b[0x12..0x14].copy_from_slice(&2u16.to_le_bytes());
    reseal(&mut b);
    let back = InfoBlock::decode(&b, START, GIB).unwrap();
    assert_eq!((back.version_minor, back.layout.ram_unit), (2, 2 * MIB));
    assert_eq!(back.layout, info.layout);
}

#[test]
fn a_bad_or_misplaced_unit_field_is_refused() {
    let info = InfoBlock::for_layout(ram(GIB, 32 * MIB), START, [1; 16], [2; 16]);
    let mut b = [0u8; BLOCK_SIZE];
    // 65 blocks = 130 MiB: past a section.
    info.encode_into(&mut b);
    b[0x84..0x88].copy_from_slice(&65u32.to_le_bytes());
    reseal(&mut b);
    assert_eq!(
        InfoBlock::decode(&b, START, GIB),
        Err(DecodeError::Layout(LayoutError::BadRamUnit(130 * MIB)))
    );
    // On any other placement the field is reserved: zero.
    for p in [
        Placement::Head,
        Placement::Sectioned,
        Placement::Grouped,
        Placement::BlockOnly,
    ] {
        let info = InfoBlock::new(p, START, GIB, [1; 16], [2; 16]).unwrap();
        info.encode_into(&mut b);
        assert_eq!(field(&b), 0, "{p:?}");
        b[0x84..0x88].copy_from_slice(&1u32.to_le_bytes());
        reseal(&mut b);
        assert_eq!(
            InfoBlock::decode(&b, START, GIB),
            Err(DecodeError::LayoutMismatch {
                field: "ram unit",
                found: 1,
                expected: 0
            }),
            "{p:?}"
        );
    }
}

#[test]
fn the_last_run_of_a_huge_namespace_does_not_overflow() {
    // A corrupt or foreign geometry can claim nearly 2^64 bytes: the end
    // of the unit holding the last byte would pass 2^64.
    let size = u64::MAX / (2 * MIB) * (2 * MIB);
    for unit in [2 * MIB, 6 * MIB, 128 * MIB] {
        let l = Layout::compute_ram(0, size, unit).unwrap();
        let last = l.locate(l.data_size - 4096).unwrap();
        assert_eq!(last.offset + last.len, l.data_offset + l.data_size);
        assert_eq!(last.unit, l.units() - 1);
        let m = l.unit_map(last.unit).unwrap();
        assert_eq!(m.start + m.len, l.data_offset + l.data_size);
    }
}
