// SPDX-License-Identifier: GPL-2.0

//! Info block: round trip, every single-field corruption refused with the
//! right reason, geometry changes refused, foreign contents recognised.

use dpmem_host::infoblock::*;
use dpmem_host::layout::*;

const GIB: u64 = 1 << 30;
const START: u64 = 4 * GIB;
const UUID: [u8; 16] = *b"0123456789abcdef";
const PARENT: [u8; 16] = [0xaa; 16];

fn block() -> [u8; BLOCK_SIZE] {
    let ib = InfoBlock::new(Placement::Head, START, GIB, UUID, PARENT).unwrap();
    let mut b = [0u8; BLOCK_SIZE];
    ib.encode_into(&mut b);
    b
}

/// Re-seals a modified block so only the field check can catch it.
fn reseal(b: &mut [u8; BLOCK_SIZE]) {
    b[BLOCK_SIZE - 8..].fill(0);
    let sum = fletcher64(b);
    b[BLOCK_SIZE - 8..].copy_from_slice(&sum.to_le_bytes());
}

fn set_u32(b: &mut [u8; BLOCK_SIZE], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    reseal(b);
}

fn set_u64(b: &mut [u8; BLOCK_SIZE], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
    reseal(b);
}

#[test]
fn round_trip() {
    let b = block();
    let ib = InfoBlock::decode(&b, START, GIB).unwrap();
    assert_eq!(ib.uuid, UUID);
    assert_eq!(ib.parent_uuid, PARENT);
    assert_eq!(ib.namespace_start, START);
    assert_eq!(
        ib.layout,
        Layout::compute(Placement::Head, START, GIB).unwrap()
    );
    assert_eq!(&b[..16], b"DPMEM_INFO_BLK\0\0");
    // Checksum is nd_fletcher64 over the block with the field zeroed.
    let mut z = b;
    z[BLOCK_SIZE - 8..].fill(0);
    assert_eq!(
        u64::from_le_bytes(b[BLOCK_SIZE - 8..].try_into().unwrap()),
        fletcher64(&z)
    );
}

#[test]
fn every_single_bit_flip_is_caught() {
    let b = block();
    for byte in 0..BLOCK_SIZE {
        for bit in 0..8 {
            let mut c = b;
            c[byte] ^= 1 << bit;
            assert!(
                InfoBlock::decode(&c, START, GIB).is_err(),
                "flip {byte}:{bit} accepted"
            );
        }
    }
}

#[test]
fn corrupt_fields_with_valid_checksum_are_refused_with_the_reason() {
    use DecodeError::*;
    let cases: Vec<(usize, u64, bool, DecodeError)> = vec![
        (
            0x10,
            2,
            false,
            UnsupportedVersion {
                major: 2,
                minor: VERSION_MINOR,
            },
        ),
        (0x14, 8, false, UnknownFlags(8)),
        (
            0x14,
            1,
            false,
            LayoutMismatch {
                field: "feature flags",
                found: 1,
                expected: 0,
            },
        ),
        (
            0x68,
            8192,
            false,
            BadConstant {
                field: "page size",
                found: 8192,
                expected: 4096,
            },
        ),
        (
            0x6c,
            56,
            false,
            BadConstant {
                field: "descriptor size",
                found: 56,
                expected: 64,
            },
        ),
        (
            0x70,
            1 << 20,
            false,
            BadConstant {
                field: "chunk size",
                found: 1 << 20,
                expected: 2 << 20,
            },
        ),
        (0x74, 7, false, UnknownPlacement(7)),
        (
            0x78,
            4096,
            false,
            BadConstant {
                field: "alignment",
                found: 4096,
                expected: 2 << 20,
            },
        ),
        (
            0x7c,
            1 << 30,
            false,
            BadConstant {
                field: "section size",
                found: 1 << 30,
                expected: 128 << 20,
            },
        ),
        (
            0x38,
            2 * GIB,
            true,
            Resized {
                recorded: 2 * GIB,
                actual: GIB,
            },
        ),
        (
            0x40,
            8 * GIB,
            true,
            Moved {
                recorded: 8 * GIB,
                actual: START,
            },
        ),
        (
            0x48,
            2 << 20,
            true,
            LayoutMismatch {
                field: "data offset",
                found: 2 << 20,
                expected: 18 << 20,
            },
        ),
        (
            0x50,
            GIB,
            true,
            LayoutMismatch {
                field: "data size",
                found: GIB,
                expected: GIB - (18 << 20),
            },
        ),
        (
            0x58,
            0,
            true,
            LayoutMismatch {
                field: "descriptor offset",
                found: 0,
                expected: 2 << 20,
            },
        ),
        (
            0x60,
            u64::MAX,
            true,
            LayoutMismatch {
                field: "descriptor area size",
                found: u64::MAX,
                expected: 16 << 20,
            },
        ),
    ];
    for (off, v, wide, want) in cases {
        let mut b = block();
        if wide {
            set_u64(&mut b, off, v);
        } else if off == 0x10 {
            b[off..off + 2].copy_from_slice(&(v as u16).to_le_bytes());
            reseal(&mut b);
        } else {
            set_u32(&mut b, off, v as u32);
        }
        assert_eq!(
            InfoBlock::decode(&b, START, GIB),
            Err(want),
            "field at {off:#x}"
        );
    }
}

#[test]
fn sectioned_round_trips() {
    let info = InfoBlock::new(Placement::Sectioned, START, GIB, [3; 16], [4; 16]).unwrap();
    let mut b = [0u8; BLOCK_SIZE];
    info.encode_into(&mut b);
    assert_eq!(InfoBlock::decode(&b, START, GIB), Ok(info));
    // A head block relabelled as sectioned (resealed) disagrees with the
    // sectioned geometry: refused, never reinterpreted.
    let mut b = block();
    set_u32(&mut b, 0x74, 1);
    assert!(matches!(
        InfoBlock::decode(&b, START, GIB),
        Err(DecodeError::LayoutMismatch { .. })
    ));
}

#[test]
fn grouped_round_trips_with_its_unit_size() {
    let info = InfoBlock::new(Placement::Grouped, START, 4 * GIB, [3; 16], [4; 16]).unwrap();
    assert_eq!(info.layout.unit_sections, GROUP_SECTIONS);
    let mut b = [0u8; BLOCK_SIZE];
    info.encode_into(&mut b);
    assert_eq!(u32::from_le_bytes(b[0x80..0x84].try_into().unwrap()), 16);
    // The incompatible flag that makes a 1.0 driver refuse it.
    assert_eq!(
        u32::from_le_bytes(b[0x14..0x18].try_into().unwrap()),
        FLAG_GROUPED
    );
    let mut noflag = b;
    set_u32(&mut noflag, 0x14, 0);
    assert!(matches!(
        InfoBlock::decode(&noflag, START, 4 * GIB),
        Err(DecodeError::LayoutMismatch {
            field: "feature flags",
            ..
        })
    ));
    assert_eq!(InfoBlock::decode(&b, START, 4 * GIB), Ok(info));
    // Another recorded unit size is another layout: read as recorded.
    let l8 = Layout::compute_grouped(START, 4 * GIB, 8).unwrap();
    let mut b8 = b;
    set_u32(&mut b8, 0x80, 8);
    set_u64(&mut b8, 0x48, l8.data_offset);
    assert_eq!(InfoBlock::decode(&b8, START, 4 * GIB).unwrap().layout, l8);
    // Without its data offset updated, the unit size disagrees.
    let mut bad = b;
    set_u32(&mut bad, 0x80, 8);
    assert!(matches!(
        InfoBlock::decode(&bad, START, 4 * GIB),
        Err(DecodeError::LayoutMismatch {
            field: "data offset",
            ..
        })
    ));
    for n in [0, 65, u32::MAX] {
        let mut bad = b;
        set_u32(&mut bad, 0x80, n);
        assert_eq!(
            InfoBlock::decode(&bad, START, 4 * GIB),
            Err(DecodeError::Layout(LayoutError::BadUnitSections(n.into())))
        );
    }
    // Head and sectioned record no unit size: a value there is refused.
    for p in [Placement::Head, Placement::Sectioned] {
        let info = InfoBlock::new(p, START, 4 * GIB, [3; 16], [4; 16]).unwrap();
        let mut b = [0u8; BLOCK_SIZE];
        info.encode_into(&mut b);
        assert_eq!(&b[0x80..0x84], &[0; 4]);
        set_u32(&mut b, 0x80, 1);
        assert!(matches!(
            InfoBlock::decode(&b, START, 4 * GIB),
            Err(DecodeError::LayoutMismatch {
                field: "sections per unit",
                ..
            })
        ));
    }
    // A sectioned block relabelled grouped (resealed) is refused.
    let s = InfoBlock::new(Placement::Sectioned, START, 4 * GIB, [3; 16], [4; 16]).unwrap();
    let mut b = [0u8; BLOCK_SIZE];
    s.encode_into(&mut b);
    set_u32(&mut b, 0x74, 2);
    assert!(InfoBlock::decode(&b, START, 4 * GIB).is_err());
}

#[test]
fn newer_minor_version_is_accepted() {
    let mut b = block();
    b[0x12..0x14].copy_from_slice(&7u16.to_le_bytes());
    reseal(&mut b);
    assert_eq!(InfoBlock::decode(&b, START, GIB).unwrap().version_minor, 7);
}

#[test]
fn unsealed_edit_is_a_checksum_error() {
    let mut b = block();
    b[0x200] = 1;
    assert!(matches!(
        InfoBlock::decode(&b, START, GIB),
        Err(DecodeError::BadChecksum { .. })
    ));
}

#[test]
fn geometry_changes_are_refused() {
    let b = block();
    for size in [GIB - (2 << 20), GIB + (2 << 20), 2 * GIB, 0, u64::MAX] {
        assert_eq!(
            InfoBlock::decode(&b, START, size),
            Err(DecodeError::Resized {
                recorded: GIB,
                actual: size
            })
        );
    }
    assert_eq!(
        InfoBlock::decode(&b, START + (2 << 20), GIB),
        Err(DecodeError::Moved {
            recorded: START,
            actual: START + (2 << 20)
        })
    );
}

#[test]
fn too_small_or_misaligned_namespace_cannot_be_formatted() {
    assert_eq!(
        InfoBlock::new(Placement::Head, START, 2 << 20, UUID, PARENT),
        Err(LayoutError::TooSmall(2 << 20))
    );
    assert_eq!(
        InfoBlock::new(Placement::Head, START + 4096, GIB, UUID, PARENT),
        Err(LayoutError::MisalignedStart(START + 4096))
    );
}

#[test]
fn foreign_contents_are_recognised() {
    let mut head = [0u8; HEAD_SIZE];
    assert_eq!(identify(&head), Foreign::Nothing);
    let with = |off: usize, sig: &[u8]| {
        let mut h = [0u8; HEAD_SIZE];
        h[off..off + sig.len()].copy_from_slice(sig);
        identify(&h)
    };
    assert_eq!(with(4096, b"NVDIMM_PFN_INFO\0"), Foreign::PfnInfo);
    assert_eq!(with(4096, b"NVDIMM_DAX_INFO\0"), Foreign::DaxInfo);
    assert_eq!(with(4096, b"BTT_ARENA_INFO\0"), Foreign::Btt);
    assert_eq!(with(4096, b"DPMEM_INFO_BLK\0\0"), Foreign::Dpmem);
    assert_eq!(with(0, b"XFSB"), Foreign::Xfs);
    assert_eq!(with(1080, &[0x53, 0xef]), Foreign::Ext);
    assert_eq!(with(4086, b"SWAPSPACE2"), Foreign::Swap);
    assert_eq!(with(512, b"EFI PART"), Foreign::Gpt);
    assert_eq!(with(510, &[0x55, 0xaa]), Foreign::Mbr);
    head[100] = 0xff;
    assert_eq!(identify(&head), Foreign::Nothing);
    let mut b = [0u8; BLOCK_SIZE];
    b[..16].copy_from_slice(b"NVDIMM_PFN_INFO\0");
    assert_eq!(
        InfoBlock::decode(&b, START, GIB),
        Err(DecodeError::NotDpmem(Foreign::PfnInfo))
    );
}

#[test]
fn a_recreated_namespace_is_refused_by_its_uuid() {
    let info = InfoBlock::decode(&block(), START, GIB).unwrap();
    assert_eq!(info.check_namespace_uuid(&PARENT), Ok(()));
    let other = [0x5a; 16];
    assert_eq!(
        info.check_namespace_uuid(&other),
        Err(DecodeError::Recreated {
            recorded: PARENT,
            actual: other
        })
    );
    // Label-less namespaces have no uuid: recorded and checked as zero.
    let mut b = [0u8; BLOCK_SIZE];
    InfoBlock::new(Placement::Head, START, GIB, UUID, [0; 16])
        .unwrap()
        .encode_into(&mut b);
    let info = InfoBlock::decode(&b, START, GIB).unwrap();
    assert_eq!(info.check_namespace_uuid(&[0; 16]), Ok(()));
    assert!(info.check_namespace_uuid(&PARENT).is_err());
}
