// SPDX-License-Identifier: GPL-2.0

//! Sleeping delays (`msleep`), as newer kernels' `kernel::time::delay`.
//!
//! C header: [`include/linux/delay.h`](srctree/include/linux/delay.h)

use crate::abstractions::bindings;

/// Sleeps for at least `ms` milliseconds (`msleep`). Process context only:
/// the caller may sleep.
pub fn msleep(ms: u32) {
    // SAFETY: `msleep` only sleeps the current task; every caller of this
    // function runs in process context (workqueue workers).
    unsafe { bindings::msleep(ms) };
}
