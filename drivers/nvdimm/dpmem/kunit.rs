// SPDX-License-Identifier: GPL-2.0

//! KUnit cases written in Rust. `dpmem_kunit.c` holds the suite tables (the
//! KUnit registration macros are C); each case there calls one
//! `#[no_mangle]` function here with the running `struct kunit`.

use crate::bindings;
use crate::naming;
use kernel::str::CStr;

/// The running test case.
///
/// # Invariants
///
/// Wraps the `struct kunit` KUnit passed to the running case; only used
/// during that case.
struct Test(*mut bindings::kunit);

impl Test {
    /// Records a failed expectation (the case goes on, like `KUNIT_EXPECT`).
    fn expect(&self, ok: bool, file: &'static CStr, line: u32, what: &'static CStr) {
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

/// Namespace names map to nd_pmem-style disk names; everything else is
/// refused.
#[no_mangle]
pub extern "C" fn dpmem_kunit_disk_names(test: *mut bindings::kunit) {
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
#[no_mangle]
pub extern "C" fn dpmem_kunit_namespace_ids(test: *mut bindings::kunit) {
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
