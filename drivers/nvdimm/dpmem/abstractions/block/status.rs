// SPDX-License-Identifier: GPL-2.0

//! The completion status of a bio (`blk_status_t`).
//!
//! C header: [`include/linux/blk_types.h`](srctree/include/linux/blk_types.h)

use crate::abstractions::bindings;
use kernel::prelude::*;

/// A `blk_status_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub(super) bindings::blk_status_t);

impl Status {
    /// `BLK_STS_OK`
    pub const OK: Status = Status(bindings::DPMEM_BLK_STS_OK as bindings::blk_status_t);
    /// `BLK_STS_IOERR`
    pub const IOERR: Status = Status(bindings::DPMEM_BLK_STS_IOERR as bindings::blk_status_t);
    /// `BLK_STS_NOTSUPP`
    pub const NOTSUPP: Status = Status(bindings::DPMEM_BLK_STS_NOTSUPP as bindings::blk_status_t);

    /// The status the block layer uses for `err` (`errno_to_blk_status`).
    pub fn from_error(err: Error) -> Status {
        // SAFETY: a pure table lookup.
        Status(unsafe { bindings::errno_to_blk_status(err.to_errno()) })
    }

    /// The raw value.
    pub fn as_raw(self) -> u8 {
        self.0
    }
}
