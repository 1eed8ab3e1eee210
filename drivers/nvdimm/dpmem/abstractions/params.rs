// SPDX-License-Identifier: GPL-2.0

//! The module parameters. `module_param()` is a C macro (the 6.12
//! `module!` macro has no parameters), so they are defined in
//! `dpmem_helpers.c` and read here; see `modinfo dpmem`.

use crate::abstractions::bindings;
use crate::format::layout::Placement;

/// `teardown_threads`: threads that remove struct pages at unbind, 1-64.
pub fn teardown_threads() -> u16 {
    // SAFETY: reads an int; the C side clamps it to 1-64.
    let n = unsafe { bindings::dpmem_param_teardown_threads() };
    u16::try_from(n).unwrap_or(1).max(1)
}

/// `default_placement`: what `format` uses when the request names none;
/// `None` for `auto` (the driver chooses per namespace).
pub fn default_placement() -> Option<Placement> {
    // SAFETY: reads an int the parameter's setter validated.
    let value = unsafe { bindings::dpmem_param_default_placement() } as u32;
    // The C values are the on-media ones, then auto.
    match value {
        bindings::DPMEM_PLACEMENT_AUTO => None,
        _ => Placement::from_raw(value),
    }
}

// The C names table is indexed like the on-media values.
const _: () = assert!(
    bindings::DPMEM_PLACEMENT_AUTO as usize == Placement::ALL.len()
        && bindings::DPMEM_PLACEMENT_RAM == 3
        && bindings::DPMEM_PLACEMENT_NONE == 4
);

/// `ram_unit_mib`: data per page map of namespaces formatted with ram
/// placement, in bytes (2-128 MiB, a multiple of 2 MiB: the C setter
/// refuses anything else; the layout checks it again).
pub fn ram_unit() -> u64 {
    // SAFETY: reads an int the parameter's setter validated.
    u64::from(unsafe { bindings::dpmem_param_ram_unit_mib() }) << 20
}

// The C setter's range is the layout's.
const _: () =
    assert!((bindings::DPMEM_RAM_UNIT_MAX_MIB as u64) << 20 == crate::format::layout::MAX_RAM_UNIT);

/// `lazy_init_delay_ms`: a testing knob, how long each lazy-init worker
/// sleeps before creating each unit's struct pages (0: not at all), so
/// that tests can act while a DAX fault waits.
pub fn lazy_init_delay_ms() -> u32 {
    // SAFETY: reads an int; the C side caps it.
    unsafe { bindings::dpmem_param_lazy_init_delay_ms() }
}
