// SPDX-License-Identifier: GPL-2.0

//! Signals of the current task: whether it is being killed.
//!
//! C header: [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h)

use crate::abstractions::bindings;

/// Whether the current task has a fatal signal pending (it is being
/// killed): a wait it is in may end early, as `TASK_KILLABLE` waits do.
pub fn fatal_signal_pending() -> bool {
    // SAFETY: reads the current task's signal state; always valid.
    unsafe { bindings::dpmem_fatal_signal_pending() }
}
