// SPDX-License-Identifier: GPL-2.0
/*
 * dpmem_helpers.c - C shims for what Rust cannot call directly: static
 * inline functions and macros of the kernel headers. Nothing else belongs
 * here; all logic is in Rust.
 */
#include <linux/blkdev.h>
#include <linux/pfn_t.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/nd.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include <linux/sched/mm.h>
#include <linux/set_memory.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/badblocks.h>
#include <kunit/test.h>

#include "dpmem.h"

void *dpmem_dev_get_drvdata(const struct device *dev)
{
	return dev_get_drvdata(dev);
}

void dpmem_dev_set_drvdata(struct device *dev, void *data)
{
	dev_set_drvdata(dev, data);
}

/* Both namespace types embed struct nd_namespace_io (to_nd_namespace_io). */
void dpmem_namespace_resource(struct device *dev, u64 *start, u64 *size)
{
	struct nd_namespace_io *nsio = to_nd_namespace_io(dev);

	*start = nsio->res.start;
	*size = resource_size(&nsio->res);
}

struct nd_namespace_common *dpmem_to_ndns(struct device *dev)
{
	return to_ndns(dev);
}

/* nvdimm_read_bytes()/nvdimm_write_bytes(): badblock-aware, writes flushed. */
int dpmem_ns_rw_bytes(struct nd_namespace_common *ndns, u64 offset, void *buf,
		      size_t size, bool write)
{
	if (!ndns->rw_bytes)
		return -ENXIO;
	return write ? nvdimm_write_bytes(ndns, offset, buf, size, 0) :
		       nvdimm_read_bytes(ndns, offset, buf, size, 0);
}

const char *dpmem_dev_driver_name(struct device *dev)
{
	return dev->driver ? dev->driver->name : NULL;
}

void dpmem_ns_parent_uuid(struct device *dev, u8 *out)
{
	const uuid_t *uuid = nd_dev_to_uuid(dev);

	memcpy(out, uuid ? uuid->b : uuid_null.b, UUID_SIZE);
}

void dpmem_uuid_gen(u8 *out)
{
	uuid_t uuid;

	uuid_gen(&uuid);
	memcpy(out, uuid.b, UUID_SIZE);
}

void dpmem_device_lock(struct device *dev)
{
	device_lock(dev);
}

void dpmem_device_unlock(struct device *dev)
{
	device_unlock(dev);
}

/* Returns a referenced device (put_device() it) or NULL. */
struct device *dpmem_bus_find_device_by_name(const struct device_driver *drv,
					     const char *name)
{
	return bus_find_device_by_name(drv->bus, NULL, name);
}

/* Whether the bus would offer @dev to @drv (nd_bus_match: device type). */
bool dpmem_bus_match(const struct device_driver *drv, struct device *dev)
{
	return drv->bus->match && drv->bus->match(dev, drv) > 0;
}

static void dpmem_claim_holder_release(struct device *dev)
{
	kfree(dev);
}

/*
 * A device that is only ever named, never registered: what dpmem's claims
 * on namespaces point to (ndns->claim), so that their `holder` attribute
 * shows @name. dev_set_name() is variadic, hence C. Freed by put_device()
 * at module exit; with CONFIG_DEBUG_KOBJECT_RELEASE that release is
 * delayed and would run after the module text is gone, like any device a
 * module frees (a known kobject-debugging limitation, not a leak).
 */
struct device *dpmem_claim_holder_alloc(const char *name)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return NULL;
	device_initialize(dev);
	dev->release = dpmem_claim_holder_release;
	if (dev_set_name(dev, "%s", name)) {
		put_device(dev);
		return NULL;
	}
	return dev;
}

bool dpmem_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}

/*
 * Whether @dev is an IO or PMEM namespace. The nd bus matches drivers by
 * the namespace type of a device's region, so a region's btt and pfn
 * devices are offered to namespace drivers too. The namespace device types
 * are private to namespace_devs.c; their names are the DEVTYPE userspace
 * sees in uevents, which is what this compares.
 */
bool dpmem_is_namespace(const struct device *dev)
{
	const char *type = dev->type ? dev->type->name : NULL;

	return type && (!strcmp(type, "nd_namespace_io") ||
			!strcmp(type, "nd_namespace_pmem"));
}

/*
 * The data path copies whole multi-page bvecs through the direct map, which
 * needs every page to have a permanent kernel address.
 */
#ifdef CONFIG_HIGHMEM
#error "dpmem needs a kernel without HIGHMEM"
#endif

/* Kernel address of byte @offset of a (multi-page) bvec starting at @page. */
void *dpmem_bvec_virt(struct page *page, unsigned long offset)
{
	return page_address(page) + offset;
}

int dpmem_dev_to_node(struct device *dev)
{
	return dev_to_node(dev);
}

/* The kernfs node of /sys/block/<disk>/badblocks, for sysfs_notify_dirent(). */
struct kernfs_node *dpmem_disk_badblocks_dirent(struct gendisk *disk)
{
	return sysfs_get_dirent(disk_to_dev(disk)->kobj.sd, "badblocks");
}

/*
 * The reservation holds one 64-byte descriptor per page: struct page must
 * be exactly that size on the kernel dpmem is built for.
 */
static_assert(sizeof(struct page) == 64,
	      "dpmem needs a 64-byte struct page (the on-media descriptor size)");

/* A pfn_t for device memory with struct pages (fsdax). */
u64 dpmem_pfn_t_dev_map(phys_addr_t phys)
{
	return phys_to_pfn_t(phys, PFN_DEV | PFN_MAP).val;
}

/*
 * test_and_clear_pmem_poison() (pmem.h): memory_failure() marked the page
 * PG_hwpoison; its poison is cleared now. Only the flag exists without
 * CONFIG_MEMORY_FAILURE, always clear.
 */
bool dpmem_page_test_clear_hwpoison(unsigned long pfn)
{
#ifdef CONFIG_MEMORY_FAILURE
	return TestClearPageHWPoison(pfn_to_page(pfn));
#else
	return false;
#endif
}

/* The rest of pmem_mkpage_present(): undo set_mce_nospec(). */
int dpmem_clear_mce_nospec(unsigned long pfn)
{
	return clear_mce_nospec(pfn);
}

/* The shared zero page, for zero_page_range. */
const void *dpmem_zero_page(void)
{
	return page_address(ZERO_PAGE(0));
}

void dpmem_kunit_fail(struct kunit *test, const char *file, int line,
		      const char *msg)
{
	KUNIT_FAIL(test, "%s:%d: %s", file, line, msg);
}

/*
 * An unbound workqueue with a rescuer (WQ_MEM_RECLAIM) running up to
 * @max_active items at once: descriptor initialisation must make progress
 * under memory pressure, since DAX faults wait for it.
 */
struct workqueue_struct *dpmem_alloc_reclaim_wq(const char *name, int max_active)
{
	return alloc_workqueue("dpmem/%s", WQ_UNBOUND | WQ_MEM_RECLAIM, max_active, name);
}

/*
 * An unbound workqueue running up to @max_active items at once: teardown
 * helpers that mostly sleep. Owning it (instead of using system_unbound_wq)
 * lets destroy_workqueue() wait until every helper has returned, before
 * the module text they run can go away.
 */
struct workqueue_struct *dpmem_alloc_unbound_wq(int max_active)
{
	return alloc_workqueue("dpmem-teardown", WQ_UNBOUND, max_active);
}

unsigned int dpmem_memalloc_noio_save(void)
{
	return memalloc_noio_save();
}

void dpmem_memalloc_noio_restore(unsigned int flags)
{
	memalloc_noio_restore(flags);
}

/*
 * Entry @i of a bad-block list that nobody else changes while it is read
 * (a private list being filled at bind): false past the end.
 */
bool dpmem_badblocks_entry(struct badblocks *bb, int i, u64 *sector,
			   u32 *sectors)
{
	if (i < 0 || i >= bb->count)
		return false;
	*sector = BB_OFFSET(bb->page[i]);
	*sectors = BB_LEN(bb->page[i]);
	return true;
}

/*
 * Attributes that are not static need a static lockdep class key; one for
 * all of dpmem's is enough (sysfs_attr_init() is a macro).
 */
void dpmem_sysfs_attr_init(struct attribute *attr)
{
	sysfs_attr_init(attr);
}

/*
 * Module parameters: module_param() is a macro, so they live here and
 * Rust reads them through the getters below (params.rs).
 */
static unsigned int teardown_threads = 64;
module_param(teardown_threads, uint, 0644);
MODULE_PARM_DESC(teardown_threads,
		 "Threads that remove a namespace's struct pages at unbind, one unit (section, group or ram placement's unit) each at a time (1-64, default 64)");

unsigned int dpmem_param_teardown_threads(void)
{
	return clamp(READ_ONCE(teardown_threads), 1U, 64U);
}

static int default_placement = DPMEM_PLACEMENT_AUTO;

/* Indexed by DPMEM_PLACEMENT_*, as format/placement.rs names them. */
static const char *const dpmem_placement_names[] = {
	"head", "sectioned", "grouped", "ram", "none", "auto"
};

static int dpmem_placement_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(dpmem_placement_names, val);

	BUILD_BUG_ON(ARRAY_SIZE(dpmem_placement_names) != DPMEM_PLACEMENT_AUTO + 1);
	if (i < 0)
		return i;
	WRITE_ONCE(*(int *)kp->arg, i);
	return 0;
}

static int dpmem_placement_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", dpmem_placement_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops dpmem_placement_ops = {
	.set = dpmem_placement_set,
	.get = dpmem_placement_get,
};
module_param_cb(default_placement, &dpmem_placement_ops, &default_placement, 0644);
MODULE_PARM_DESC(default_placement,
		 "Descriptor placement the format file uses when the request names none: auto (default: grouped unless partial sections would cost over 1 %, then head), head, sectioned, grouped, ram or none");

int dpmem_param_default_placement(void)
{
	return READ_ONCE(default_placement);
}

static unsigned int ram_unit_mib = 2;

/* 2-128 MiB in whole 2 MiB steps (format/layout.rs checks the same). */
static int dpmem_ram_unit_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc = kstrtouint(val, 0, &v);

	if (rc)
		return rc;
	if (v < 2 || v > DPMEM_RAM_UNIT_MAX_MIB || v % 2)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops dpmem_ram_unit_ops = {
	.set = dpmem_ram_unit_set,
	.get = param_get_uint,
};
module_param_cb(ram_unit_mib, &dpmem_ram_unit_ops, &ram_unit_mib, 0644);
MODULE_PARM_DESC(ram_unit_mib,
		 "Data per page map (MiB, 2-128, even) of namespaces formatted with ram placement from now on; recorded in the info block (default 2)");

unsigned int dpmem_param_ram_unit_mib(void)
{
	return READ_ONCE(ram_unit_mib);
}

static unsigned int lazy_init_delay_ms;
module_param(lazy_init_delay_ms, uint, 0644);
MODULE_PARM_DESC(lazy_init_delay_ms,
		 "Testing: sleep this long (ms, at most 60000) before creating each unit's struct pages, so DAX faults wait meanwhile (default 0)");

unsigned int dpmem_param_lazy_init_delay_ms(void)
{
	return min(READ_ONCE(lazy_init_delay_ms), 60000U);
}
