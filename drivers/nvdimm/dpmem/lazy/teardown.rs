// SPDX-License-Identifier: GPL-2.0

//! Teardown of a [`Lazy`] set when its owner goes: stop the workers, then
//! undo every initialised unit, several at a time.

#![forbid(unsafe_code)]

use super::{Lazy, LazyOwner, Slot, UnitInit, UNINIT};
use crate::abstractions::params;
use crate::abstractions::workqueue::OwnedQueue;
use core::sync::atomic::Ordering;
use kernel::prelude::*;

impl<I: UnitInit> Lazy<I> {
    /// Undoes initialised units, one at a time and outside the lock, until
    /// none is left (teardown only: `stopping` is set).
    fn drain(&self) {
        loop {
            let unit = {
                let mut s = self.slots.lock();
                let mut found = None;
                while found.is_none() && s.cursor < s.units.len() {
                    let i = s.cursor;
                    s.cursor += 1;
                    if let Some(slot) = s.units.get_mut(i) {
                        if let Slot::Ready(u) = core::mem::replace(slot, Slot::Empty) {
                            found = Some(u);
                        }
                    }
                }
                found
            };
            match unit {
                Some(u) => drop(u),
                None => return,
            }
        }
    }
}

impl<I: UnitInit> Drop for LazyOwner<I> {
    fn drop(&mut self) {
        let queue = {
            let mut s = self.0.slots.lock();
            s.stopping = true;
            for f in self.0.flags.iter() {
                f.store(UNINIT, Ordering::Release);
            }
            s.queue.take()
        };
        self.0.changed.notify_all();
        // Destroying the queue waits for the units being initialised;
        // queued ones are skipped (the workers see `stopping`). Those that
        // finish now are undone below with the rest, so count after it.
        drop(queue);
        let ready = self
            .0
            .slots
            .lock()
            .units
            .iter()
            .filter(|slot| matches!(slot, Slot::Ready(_)))
            .count();
        // Undoing one unit mostly waits (an RCU grace period and the memory
        // hotplug lock for a page map, ~46 ms each under TCG), so helpers on
        // a queue of our own and this thread do it together; without memory
        // for the queue or a helper, fewer threads do.
        let threads = params::teardown_threads();
        let helpers = ready.min(threads.into()).saturating_sub(1);
        let pool = if helpers > 0 {
            OwnedQueue::unbound(threads).ok()
        } else {
            None
        };
        if let Some(pool) = &pool {
            for _ in 0..helpers {
                let this = self.0.clone();
                if pool
                    .queue()
                    .try_spawn(GFP_KERNEL, move || this.drain())
                    .is_err()
                {
                    break;
                }
            }
        }
        self.0.drain();
        // Returns once every helper has (and so every unit is undone).
        drop(pool);
    }
}
