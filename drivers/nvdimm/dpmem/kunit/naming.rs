// SPDX-License-Identifier: GPL-2.0

//! KUnit: disk names from namespace names.

use super::Test;
use crate::abstractions::bindings;
use crate::format::naming;
use crate::kexpect;

/// Namespace names map to nd_pmem-style disk names; everything else is
/// refused.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_disk_names(test: *mut bindings::kunit) {
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let good: [(&str, &str); 5] = [
        ("namespace0.0", "dpmem0"),
        ("namespace0.1", "dpmem0.1"),
        ("namespace12.3", "dpmem12.3"),
        ("namespace7.0", "dpmem7"),
        (
            "namespace4294967295.4294967295",
            "dpmem4294967295.4294967295",
        ),
    ];
    for (ns, disk) in good {
        let name = naming::disk_name_for(ns);
        kexpect!(t, name.map(|n| n.as_str() == disk).unwrap_or(false));
        kexpect!(
            t,
            name.map(|n| n.as_bytes_with_nul().last() == Some(&0))
                .unwrap_or(false)
        );
    }
    let bad = [
        "",
        "namespace",
        "namespace0",
        "namespace0.",
        "namespace.0",
        "namespace00.1",
        "namespace0.01",
        "namespace-1.0",
        "namespace+1.0",
        "namespace4294967296.0",
        "pfn0.0",
        "namespace0.0x",
        "namespace0.0.0",
        "Namespace0.0",
    ];
    for ns in bad {
        kexpect!(t, naming::disk_name_for(ns).is_none());
    }
}

/// Region and index are parsed exactly, including the largest ids.
///
/// # Safety
///
/// Called by KUnit with the running test (`dpmem_kunit.c`).
#[no_mangle]
pub unsafe extern "C" fn dpmem_kunit_namespace_ids(test: *mut bindings::kunit) {
    // INVARIANT: KUnit passes the running test.
    let t = Test(test);
    let id = naming::parse_namespace_name("namespace3.14");
    kexpect!(
        t,
        id.map(|i| i.region == 3 && i.index == 14).unwrap_or(false)
    );
    let id = naming::parse_namespace_name("namespace4294967295.0");
    kexpect!(
        t,
        id.map(|i| i.region == u32::MAX && i.index == 0)
            .unwrap_or(false)
    );
}
