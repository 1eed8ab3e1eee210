// SPDX-License-Identifier: GPL-2.0

//! KUnit: the info block and the layout, with the module's own code.

use super::Test;
use crate::abstractions::bindings;
use crate::format::infoblock;
use crate::format::layout::{self, Layout, Placement};
use crate::kexpect;
use kernel::prelude::*;

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
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_info_block(test: *mut bindings::kunit) {
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
    let Ok(mut good) = KBox::init(
        kernel::init::zeroed::<[u8; infoblock::BLOCK_SIZE]>(),
        GFP_KERNEL,
    ) else {
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

    let Ok(mut b) = KBox::init(
        kernel::init::zeroed::<[u8; infoblock::BLOCK_SIZE]>(),
        GFP_KERNEL,
    ) else {
        kexpect!(t, false);
        return;
    };
    /// A field edit: offset, width, value, and the refusal it must give.
    type Corruption = (usize, usize, u64, fn(&DecodeError) -> bool);
    let cases: [Corruption; 8] = [
        (0x10, 2, 2, |e| {
            matches!(e, DecodeError::UnsupportedVersion { major: 2, .. })
        }),
        (0x14, 4, 8, |e| matches!(e, DecodeError::UnknownFlags(8))),
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
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_layout_table(test: *mut bindings::kunit) {
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
