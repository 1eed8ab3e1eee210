// SPDX-License-Identifier: GPL-2.0

//! Error codes the driver returns that the 6.12 kernel crate does not name
//! (`kernel::error::code` has no `EOPNOTSUPP`).
//!
//! C header: [`include/uapi/asm-generic/errno.h`](srctree/include/uapi/asm-generic/errno.h)

use crate::abstractions::bindings;
use kernel::error::Error;

/// `-EOPNOTSUPP`: operation not supported.
pub fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}
