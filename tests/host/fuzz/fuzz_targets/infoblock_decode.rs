// SPDX-License-Identifier: GPL-2.0

//! Fuzzes `InfoBlock::decode`, the parser of untrusted on-media bytes.
//!
//! Input: one mode byte, the namespace start and size the block is checked
//! against (8 bytes each, little-endian), then edits. Random bytes almost
//! never carry a valid signature and checksum, so the modes let the fuzzer
//! reach the field checks too:
//! - bit 0: start from a valid block for this geometry (when one exists)
//!   and apply the rest as (offset, byte) edits instead of raw bytes;
//! - bit 1: reseal the checksum after the edits.
//!
//! Properties: decoding never panics (overflow checks are on); an accepted
//! block describes a sane layout inside the namespace and survives an
//! encode/decode round trip unchanged.

#![no_main]

use dpmem_host::infoblock::{self, InfoBlock, BLOCK_SIZE};
use dpmem_host::layout::{self, Placement};
use libfuzzer_sys::fuzz_target;

fn le64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[..8]);
    u64::from_le_bytes(v)
}

fn reseal(b: &mut [u8; BLOCK_SIZE]) {
    b[BLOCK_SIZE - 8..].fill(0);
    let sum = infoblock::fletcher64(&b[..]);
    b[BLOCK_SIZE - 8..].copy_from_slice(&sum.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (mode, start, size, rest) = (data[0], le64(&data[1..]), le64(&data[9..]), &data[17..]);
    let mut b = [0u8; BLOCK_SIZE];
    if mode & 1 != 0 {
        let placement = match (mode >> 2) & 7 {
            1 => Placement::Sectioned,
            2 | 3 => Placement::Grouped,
            4 => Placement::Ram,
            5 => Placement::BlockOnly,
            _ => Placement::Head,
        };
        // Ram: a unit of 9k + 1 2 MiB blocks from the top bits (1 to 64,
        // most not powers of two; invalid units come from the edits).
        let made = match placement {
            Placement::Ram => layout::Layout::compute_ram(
                start,
                size,
                (u64::from(mode >> 5) * 9 + 1) * layout::RAM_UNIT,
            )
            .map(|l| InfoBlock::for_layout(l, start, [1; 16], [2; 16])),
            _ => InfoBlock::new(placement, start, size, [1; 16], [2; 16]),
        };
        if let Ok(valid) = made {
            valid.encode_into(&mut b);
        }
        for e in rest.chunks_exact(3) {
            let off = usize::from(u16::from_le_bytes([e[0], e[1]])) % BLOCK_SIZE;
            b[off] = e[2];
        }
    } else {
        let n = rest.len().min(BLOCK_SIZE);
        b[..n].copy_from_slice(&rest[..n]);
    }
    if mode & 2 != 0 {
        reseal(&mut b);
    }

    let Ok(info) = InfoBlock::decode(&b, start, size) else {
        return;
    };
    let l = &info.layout;
    assert_eq!(info.namespace_start, start);
    assert_eq!(l.namespace_size, size);
    assert_eq!(l.data_offset % layout::ALIGN, 0);
    assert!(l.data_offset >= layout::DESC_OFFSET);
    assert!(l.data_size >= layout::CHUNK_SIZE);
    match l.placement {
        Placement::Head => {
            // The data area ends inside the namespace, at most a partial
            // 2 MiB unit before its end.
            let end = l
                .data_offset
                .checked_add(l.data_size)
                .expect("data end overflows");
            assert!(end <= size && size - end < layout::ALIGN);
            assert_eq!(l.data_size % layout::ALIGN, 0);
            // One 2 MiB descriptor chunk for every whole 128 MiB section
            // the used part can cover (partial sections get RAM struct
            // pages, as on x86).
            assert!(l.desc_size() >= end / layout::SECTION_SIZE * layout::CHUNK_SIZE);
            assert_eq!(l.desc_size() % layout::CHUNK_SIZE, 0);
            assert_eq!(l.npfns, (end - layout::INFO_RESERVE) / layout::PAGE_SIZE);
        }
        Placement::Sectioned | Placement::Grouped => {
            assert!(l.sections >= 1);
            assert!((1..=layout::MAX_GROUP_SECTIONS).contains(&l.unit_sections));
            assert!(l.placement == Placement::Grouped || l.unit_sections == 1);
            assert_eq!((start + l.sections_offset) % layout::SECTION_SIZE, 0);
            let end = l
                .sections
                .checked_mul(layout::SECTION_SIZE)
                .and_then(|s| s.checked_add(l.sections_offset))
                .expect("sections end overflows");
            assert!(end <= size && size - end < layout::SECTION_SIZE);
            assert_eq!(l.desc_size(), l.sections * layout::CHUNK_SIZE);
            // The last byte maps into the last unit, before its end; the
            // first byte after the info block and unit 0's chunks.
            let e = l.locate(l.data_size - 1).expect("last byte unmapped");
            assert_eq!(e.unit, l.units() - 1);
            assert_eq!(e.offset + 1, end);
            let u = l.unit_map(e.unit).expect("no unit map");
            assert!(u.data_start >= u.start + layout::CHUNK_SIZE);
            assert_eq!(u.start + u.len, end);
            let f = l.locate(0).expect("first byte unmapped");
            let u0 = l.unit_map(0).expect("no unit 0");
            assert!(f.offset == u0.data_start && f.offset >= layout::INFO_RESERVE);
            assert_eq!(l.unit_at(f.offset), Some(0));
        }
        Placement::Ram | Placement::BlockOnly => {
            // No descriptors on the device: the data from 2 MiB to the
            // last whole 2 MiB unit, one run.
            assert_eq!(l.data_offset, layout::ALIGN);
            let end = l.data_offset + l.data_size;
            assert!(end <= size && size - end < layout::ALIGN);
            assert_eq!((l.desc_offset(), l.desc_size()), (0, 0));
            assert_eq!(l.linear_map_offset(), Some(l.data_offset));
            let e = l.locate(l.data_size - 1).expect("last byte unmapped");
            assert_eq!(e.offset + 1, end);
            if l.placement == Placement::Ram {
                assert!((layout::RAM_UNIT..=layout::MAX_RAM_UNIT).contains(&l.ram_unit));
                assert_eq!(l.ram_unit % layout::ALIGN, 0);
                assert_eq!(l.units(), l.data_size.div_ceil(l.ram_unit));
                assert_eq!(e.unit, l.units() - 1);
                assert_eq!(l.unit_at(e.offset), Some(e.unit));
                let u = l.unit_map(e.unit).expect("no last unit map");
                assert_eq!(u.start + u.len, end);
                assert!(u.len <= l.ram_unit);
                assert_eq!(l.npfns, l.data_size / layout::PAGE_SIZE);
            } else {
                assert_eq!((l.units(), l.npfns, l.unit_at(e.offset)), (0, 0, None));
                assert_eq!(l.ram_unit, 0);
            }
        }
    }
    let mut again = [0u8; BLOCK_SIZE];
    info.encode_into(&mut again);
    assert_eq!(InfoBlock::decode(&again, start, size), Ok(info));
});
