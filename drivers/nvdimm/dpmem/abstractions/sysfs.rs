// SPDX-License-Identifier: GPL-2.0

//! sysfs attributes: the set of read-only attributes a driver shows, and
//! the page a `show` call writes into.
//!
//! C header: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h)

use crate::abstractions::bindings;
use core::fmt;
use kernel::page::PAGE_SIZE;
use kernel::str::CStr;

/// A set of read-only attributes, one file each: usually an enum.
pub trait Attribute: Copy + 'static {
    /// Every attribute, in the order the directory lists them.
    const ALL: &'static [Self];

    /// The attribute's file name.
    fn name(self) -> &'static CStr;
}

/// The buffer of a sysfs `show` call.
///
/// # Invariants
///
/// `buf` is the page sysfs passed to `show`; `len` bytes of it are used.
pub struct SysfsOut {
    buf: *mut kernel::ffi::c_char,
    len: i32,
}

impl SysfsOut {
    /// # Safety
    ///
    /// `buf` is the page sysfs passed to a `show` callback, and the value
    /// does not outlive that call.
    pub(in crate::abstractions) unsafe fn new(buf: *mut kernel::ffi::c_char) -> Self {
        // INVARIANT: per the contract; nothing written yet.
        Self { buf, len: 0 }
    }

    /// Bytes written so far.
    pub(in crate::abstractions) fn len(&self) -> i32 {
        self.len
    }

    /// Appends formatted text (truncated at the page end, as `sysfs_emit`).
    pub fn emit(&mut self, args: fmt::Arguments<'_>) {
        // SAFETY: `buf` is the sysfs page (type invariant) and `len` is
        // within it; `%pA` formats `args` during the call only.
        let n = unsafe {
            bindings::sysfs_emit_at(
                self.buf,
                self.len,
                c"%pA".as_ptr().cast(),
                core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
            )
        };
        self.len += n;
    }
}

impl SysfsOut {
    /// Lets `f` write into the rest of the page; `f` returns how many bytes
    /// it wrote (at most the slice's length). The page's last byte is kept
    /// free, as `sysfs_emit_at` does: a show returning a whole page is
    /// refused as a bad count.
    pub fn write_with(&mut self, f: impl FnOnce(&mut [u8]) -> usize) {
        const ROOM: usize = PAGE_SIZE - 1;
        let used = usize::try_from(self.len).unwrap_or(ROOM).min(ROOM);
        // SAFETY: `buf` is the sysfs page (type invariant), of which the
        // first `used` bytes are taken; the slice is the rest, borrowed
        // through `&mut self` for the call only.
        let rest = unsafe {
            core::slice::from_raw_parts_mut(self.buf.cast::<u8>().add(used), ROOM - used)
        };
        let n = f(rest).min(ROOM - used);
        self.len += n as i32;
    }
}

/// `emit!(out, "...", args)`: formatted output for a sysfs `show`.
#[macro_export]
macro_rules! emit {
    ($out:expr, $($arg:tt)*) => {
        $out.emit(format_args!($($arg)*))
    };
}
