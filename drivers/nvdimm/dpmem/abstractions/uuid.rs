// SPDX-License-Identifier: GPL-2.0

//! Random uuids (`uuid_gen`); how they are shown is pure logic
//! (`format::uuid`).
//!
//! C header: [`include/linux/uuid.h`](srctree/include/linux/uuid.h)

use crate::abstractions::bindings;

/// A fresh random (version 4) uuid.
pub fn random_uuid() -> [u8; 16] {
    let mut out = [0u8; 16];
    // SAFETY: `out` has 16 bytes.
    unsafe { bindings::dpmem_uuid_gen(out.as_mut_ptr()) };
    out
}
