// SPDX-License-Identifier: GPL-2.0

//! Uuids as the kernel prints them (`%pU`): 8-4-4-4-12 lowercase hex.

use core::fmt;

/// Displays a uuid the usual way, e.g. in sysfs and the kernel log.
pub struct Uuid<'a>(pub &'a [u8; 16]);

impl fmt::Display for Uuid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
