// SPDX-License-Identifier: GPL-2.0

//! Disk naming: nd_pmem's scheme with a `dpmem` prefix.

use dpmem_host::naming::{disk_name_for, parse_namespace_name, DISK_NAME_LEN};

#[test]
fn index_zero_has_no_suffix() {
    assert_eq!(disk_name_for("namespace0.0").unwrap().as_str(), "dpmem0");
    assert_eq!(disk_name_for("namespace3.0").unwrap().as_str(), "dpmem3");
}

#[test]
fn nonzero_index_has_suffix() {
    assert_eq!(disk_name_for("namespace0.1").unwrap().as_str(), "dpmem0.1");
    assert_eq!(
        disk_name_for("namespace12.34").unwrap().as_str(),
        "dpmem12.34"
    );
}

#[test]
fn round_trip_over_many_ids() {
    for region in (0..300u32).chain([u32::MAX - 1, u32::MAX]) {
        for index in (0..40u32).chain([u32::MAX]) {
            let ns = format!("namespace{region}.{index}");
            let id = parse_namespace_name(&ns).unwrap();
            assert_eq!((id.region, id.index), (region, index));
            let disk = disk_name_for(&ns).unwrap();
            let want = if index == 0 {
                format!("dpmem{region}")
            } else {
                format!("dpmem{region}.{index}")
            };
            assert_eq!(disk.as_str(), want);
            let with_nul = disk.as_bytes_with_nul();
            assert_eq!(with_nul.last(), Some(&0));
            assert!(with_nul.len() <= DISK_NAME_LEN);
        }
    }
}

#[test]
fn malformed_names_are_refused() {
    for ns in [
        "",
        "namespace",
        "namespace0",
        "namespace0.",
        "namespace.0",
        "namespace00.1",
        "namespace0.01",
        "namespace-1.0",
        "namespace+1.0",
        "namespace 1.0",
        "namespace4294967296.0",
        "namespace0.4294967296",
        "pfn0.0",
        "btt0.0",
        "namespace0.0x",
        "namespace0.0.0",
        "Namespace0.0",
        "namespace١.0",
    ] {
        assert!(disk_name_for(ns).is_none(), "{ns:?} was accepted");
    }
}
