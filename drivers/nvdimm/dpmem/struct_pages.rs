// SPDX-License-Identifier: GPL-2.0

//! The struct pages of a bound namespace's data: one page map per unit of
//! its layout (the whole namespace for head placement, each section or
//! group of sections for sectioned and grouped placement, each unit of
//! data, with struct pages in RAM, for ram placement), created by the
//! lazy-init workers ([`crate::lazy`]).

#![forbid(unsafe_code)]

use crate::abstractions::block::{Badblocks, SECTOR_SIZE};
use crate::abstractions::dax::FailureTarget;
use crate::abstractions::delay;
use crate::abstractions::memremap::{Altmap, FailureRoute, PageMap};
use crate::abstractions::nvdimm::Region;
use crate::abstractions::params;
use crate::abstractions::resource::MemClaim;
use crate::format::layout::{Layout, Placement, UnitMap, CHUNK_SIZE, PAGE_SIZE};
use crate::format::naming::DiskName;
use crate::lazy::UnitInit;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::time::Ktime;

/// Sectioned and grouped placement log progress at most this often.
const PROGRESS_INTERVAL_NS: i64 = 10_000_000_000;

/// Creates the page maps, and so the struct pages, of one namespace.
pub struct StructPages {
    layout: Layout,
    /// Physical start of the namespace.
    ns_start: u64,
    nid: i32,
    /// Proof that the namespace is ours; each page map keeps a reference.
    claim: Arc<MemClaim>,
    /// Where memory failures in the data go.
    target: Arc<FailureTarget>,
    /// The namespace's region: poison in the descriptors, and clearing it.
    region: Region,
    /// For the kernel log.
    disk_name: DiskName,
    progress: Progress,
}

/// Counts initialised units for the progress line: how many, and when that
/// was last logged (ns, `ktime_get`; 0 = never); whether running out of
/// memory was logged; how many pages their page maps gave struct pages.
#[derive(Default)]
struct Progress {
    done: AtomicU64,
    pages: AtomicU64,
    logged_at: AtomicI64,
    nomem_logged: AtomicBool,
}

impl StructPages {
    /// The struct pages of the namespace at physical `ns_start`, laid out
    /// as `layout` and claimed by `claim`, on NUMA node `nid`.
    pub fn new(
        layout: Layout,
        ns_start: u64,
        nid: i32,
        claim: Arc<MemClaim>,
        target: Arc<FailureTarget>,
        region: Region,
        disk_name: DiskName,
    ) -> Self {
        Self {
            layout,
            ns_start,
            nid,
            claim,
            target,
            region,
            disk_name,
            progress: Progress::default(),
        }
    }

    /// Pages given struct pages so far, over every unit initialised (one
    /// counter, so a reader never sees a unit half counted).
    pub fn pages_built(&self) -> u64 {
        self.progress.pages.load(Ordering::Relaxed)
    }

    /// Logs how many units (sections or groups) have struct pages: on the
    /// first, then at most once per [`PROGRESS_INTERVAL_NS`], so a workload
    /// touching many units shows progress without flooding the log.
    fn sectioned_progress(&self) {
        let done = self.progress.done.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Ktime::ktime_get().to_ns();
        let last = self.progress.logged_at.load(Ordering::Relaxed);
        if last != 0 && now - last < PROGRESS_INTERVAL_NS {
            return;
        }
        // Workers run this at once: one of them logs.
        if self
            .progress
            .logged_at
            .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let (name, units) = (self.disk_name.as_str(), self.layout.units());
        match self.layout.placement {
            Placement::Grouped => {
                pr_info!("{name}: struct pages for {done} of {units} groups of sections so far\n")
            }
            Placement::Ram => pr_info!(
                "{name}: struct pages in RAM for {done} of {units} units of {} MiB so far\n",
                self.layout.ram_unit >> 20
            ),
            _ => pr_info!("{name}: struct pages for {done} of {units} sections so far\n"),
        }
    }
}

impl StructPages {
    /// Clears known poison in the descriptors of unit `unit` before its
    /// struct pages are built there. The descriptors hold nothing
    /// persistent (they are rebuilt at every initialisation), so cleared
    /// poison is simply overwritten; memmap_init writes every byte of
    /// them. Poison the platform cannot clear fences the unit: `EIO`, so
    /// its DAX faults get `SIGBUS`, while block I/O, which never uses
    /// struct pages, goes on; the other units are not affected.
    fn clear_descriptor_poison(&self, unit: u64, m: &UnitMap) -> Result {
        let (off, len) = m.descriptors();
        if len == 0 {
            // Struct pages in RAM: nothing on the media to check.
            return Ok(());
        }
        let phys = self.ns_start + off;
        let bb = Badblocks::new()?;
        self.region.load_badblocks(&bb, phys, len);
        if bb.count() == 0 {
            return Ok(());
        }
        let name = self.disk_name.as_str();
        let mut at = 0u64;
        let mut fenced = false;
        while at < len && !fenced {
            let sector = at / SECTOR_SIZE;
            if bb.is_bad(sector, (PAGE_SIZE / SECTOR_SIZE) as u32) {
                fenced = !matches!(
                    self.region.clear_poison(phys + at, PAGE_SIZE as u32),
                    Ok(n) if u64::from(n) == PAGE_SIZE
                );
            }
            at += PAGE_SIZE;
        }
        let end = phys + len - 1;
        if fenced {
            let (lo, hi) = (m.logical_start, m.logical_start + m.data_len() - 1);
            pr_err!(
                "{name}: the struct-page descriptors of unit {unit} ({phys:#x}-{end:#x}) hold poison the platform cannot clear: DAX at device bytes {lo:#x}-{hi:#x} fails (SIGBUS); block I/O there still works\n"
            );
            return Err(EIO);
        }
        pr_warn!("{name}: cleared poison in the descriptors of unit {unit} ({phys:#x}-{end:#x})\n");
        Ok(())
    }
}

impl UnitInit for StructPages {
    type Unit = Pin<KBox<PageMap>>;

    fn init(&self, unit: u64) -> Result<Pin<KBox<PageMap>>> {
        let m = self.layout.unit_map(unit).ok_or(ERANGE)?;
        // Tests hold a DAX fault waiting here (0 outside tests).
        let delay = params::lazy_init_delay_ms();
        if delay > 0 {
            delay::msleep(delay);
        }
        self.clear_descriptor_poison(unit, &m)?;
        let t0 = Ktime::ktime_get();
        let route = FailureRoute {
            target: self.target.clone(),
            data_phys: self.ns_start + m.data_start,
            logical: m.logical_start,
        };
        let altmap = self.layout.placement.on_device().then_some(Altmap {
            reserve_pages: m.reserve_pages,
            free_pages: m.free_pages,
        });
        let name = self.disk_name.as_str();
        let start = self.ns_start + m.start;
        let end = start + m.len - 1;
        if self.layout.placement == Placement::Head {
            pr_info!(
                "{name}: building struct pages for {} MiB in the background\n",
                m.len >> 20
            );
        }
        let r = PageMap::new(self.claim.clone(), start, m.len, altmap, self.nid, route);
        if r.is_ok() {
            self.progress
                .pages
                .fetch_add(m.len / PAGE_SIZE, Ordering::Relaxed);
        }
        match (&r, self.layout.placement) {
            (Err(e), _) if *e == ENOMEM => {
                // Tried again on the next access; said once per binding, as
                // faults under memory pressure may try many times.
                if !self.progress.nomem_logged.swap(true, Ordering::Relaxed) {
                    pr_warn!(
                        "{name}: out of memory for the struct pages of {start:#x}-{end:#x}; DAX faults there wait and try again\n"
                    );
                }
            }
            (Err(e), _) => pr_err!(
                "{name}: cannot create struct pages for {start:#x}-{end:#x}: error {}; DAX mappings there fail\n",
                e.to_errno()
            ),
            (Ok(pm), Placement::Head) => pr_info!(
                "{name}: struct pages ready: {} MiB in {} ms, {} descriptor chunks\n",
                m.len >> 20,
                (Ktime::ktime_get() - t0).to_ms(),
                pm.altmap_used_pages() * PAGE_SIZE / CHUNK_SIZE
            ),
            (Ok(_), _) => {
                pr_debug!(
                    "{name}: unit {unit} ({start:#x}-{end:#x}) initialised in {} us\n",
                    (Ktime::ktime_get() - t0).to_ns() / 1000
                );
                self.sectioned_progress();
            }
        }
        r
    }
}
