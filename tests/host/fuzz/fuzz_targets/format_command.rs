// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the parser of what root writes to `/sys/bus/nd/drivers/dpmem/format`
//! and the namespace-name to disk-name mapping: no input may panic, and an
//! accepted command names a namespace whose disk name fits a gendisk.

#![no_main]

use dpmem_host::{command, naming};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = command::parse_format(data) {
        let disk = naming::disk_name_for(cmd.namespace).expect("accepted name maps to a disk");
        assert!(disk.as_str().len() < 32);
        assert!(disk.as_str().starts_with("dpmem"));
    }
    if let Ok(s) = core::str::from_utf8(data) {
        if let Some(d) = naming::disk_name_for(s) {
            assert!(d.as_str().len() < 32);
        }
    }
});
