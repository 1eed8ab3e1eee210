// SPDX-License-Identifier: GPL-2.0

//! KUnit cases written in Rust. `dpmem_kunit.c` holds the suite tables (the
//! KUnit registration macros are C); each case there calls one
//! `#[no_mangle]` function of these files with the running `struct kunit`.
//! This glue is the one place outside `abstractions/` with `unsafe` code:
//! the cases build bios and pages by hand.

use crate::abstractions::bindings;
use kernel::str::CStr;

pub mod block;
pub mod format;
pub mod lazy;
pub mod naming;

/// The running test case.
///
/// # Invariants
///
/// Wraps the `struct kunit` KUnit passed to the running case; only used
/// during that case.
pub(crate) struct Test(*mut bindings::kunit);

impl Test {
    /// Records a failed expectation (the case goes on, like `KUNIT_EXPECT`).
    pub(crate) fn expect(&self, ok: bool, file: &'static CStr, line: u32, what: &'static CStr) {
        if !ok {
            // SAFETY: `self.0` is the running test (type invariant); the
            // strings are NUL-terminated statics.
            unsafe {
                bindings::dpmem_kunit_fail(
                    self.0,
                    file.as_char_ptr(),
                    line as i32,
                    what.as_char_ptr(),
                )
            };
        }
    }
}

/// `kexpect!(test, condition)`: a non-fatal KUnit expectation.
#[macro_export]
macro_rules! kexpect {
    ($t:expr, $cond:expr) => {
        $t.expect(
            $cond,
            kernel::c_str!(file!()),
            line!(),
            kernel::c_str!(stringify!($cond)),
        )
    };
}
