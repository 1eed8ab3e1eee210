/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dpmem.h - the C surface dpmem's Rust code calls, fed to bindgen.
 *
 * Kernel types the `kernel` crate already binds (struct device, bio, gendisk,
 * ...) are not regenerated: bindgen runs with --no-recursive-allowlist and the
 * Rust side imports kernel::bindings::*. What is listed here is what the
 * kernel crate of 6.12 lacks: libnvdimm, plus the C shims in dpmem_helpers.c
 * for static inlines and macros.
 */
#ifndef _DPMEM_H
#define _DPMEM_H

#include <linux/badblocks.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernfs.h>
#include <linux/libnvdimm.h>
#include <linux/memremap.h>
#include <linux/nd.h>
#include <linux/ndctl.h>
#include <linux/pfn_t.h>
#include <linux/uio.h>
#include <linux/uuid.h>
#include <kunit/test.h>

/*
 * Declared only in the private drivers/nvdimm/nd.h; exported to modules.
 * Prototypes copied from 6.12.
 */
struct nd_namespace_common *nvdimm_namespace_common_probe(struct device *dev);
int devm_namespace_enable(struct device *dev, struct nd_namespace_common *ndns,
			  resource_size_t size);
const uuid_t *nd_dev_to_uuid(struct device *dev);
void nvdimm_badblocks_populate(struct nd_region *nd_region,
			       struct badblocks *bb, const struct range *range);
void nvdimm_check_and_set_ro(struct gendisk *disk);
long nvdimm_clear_poison(struct device *dev, phys_addr_t phys,
			 unsigned int len);
void nd_synchronize(void);
void nvdimm_bus_lock(struct device *dev);
void nvdimm_bus_unlock(struct device *dev);
bool nvdimm_namespace_locked(struct nd_namespace_common *ndns);
resource_size_t nvdimm_namespace_capacity(struct nd_namespace_common *ndns);

/*
 * Kernel constants bindgen cannot evaluate (casts to __bitwise types, or
 * config-dependent macros), as enumerators so their values come from the
 * headers of the kernel being built against.
 */
enum {
	DPMEM_BLK_FEAT_WRITE_CACHE = (__force unsigned int)BLK_FEAT_WRITE_CACHE,
	DPMEM_BLK_FEAT_FUA = (__force unsigned int)BLK_FEAT_FUA,
	DPMEM_BLK_FEAT_SYNCHRONOUS = (__force unsigned int)BLK_FEAT_SYNCHRONOUS,
	DPMEM_BLK_FEAT_IO_STAT = (__force unsigned int)BLK_FEAT_IO_STAT,
	DPMEM_BLK_FEAT_DAX = (__force unsigned int)BLK_FEAT_DAX,
	DPMEM_BLK_STS_OK = (__force unsigned int)BLK_STS_OK,
	DPMEM_BLK_STS_NOTSUPP = (__force unsigned int)BLK_STS_NOTSUPP,
	DPMEM_BLK_STS_IOERR = (__force unsigned int)BLK_STS_IOERR,
	DPMEM_REQ_OP_MASK = (__force unsigned int)REQ_OP_MASK,
	DPMEM_REQ_PREFLUSH = (__force unsigned int)REQ_PREFLUSH,
	DPMEM_REQ_FUA = (__force unsigned int)REQ_FUA,
	DPMEM_NVDIMM_FLUSH_ASYNC = NVDIMM_FLUSH_ASYNC,
	DPMEM_MEMREMAP_PMEM = ARCH_MEMREMAP_PMEM,
	DPMEM_SECTOR_SHIFT = SECTOR_SHIFT,
	DPMEM_DAX_ACCESS = DAX_ACCESS,
	DPMEM_DAX_RECOVERY_WRITE = DAX_RECOVERY_WRITE,
	DPMEM_EHWPOISON = EHWPOISON,
	DPMEM_ND_MIN_NAMESPACE_SIZE = ND_MIN_NAMESPACE_SIZE,
};

/* dpmem_helpers.c: shims for static inlines and macros. */
void *dpmem_dev_get_drvdata(const struct device *dev);
void dpmem_dev_set_drvdata(struct device *dev, void *data);
void dpmem_namespace_resource(struct device *dev, u64 *start, u64 *size);
struct nd_namespace_common *dpmem_to_ndns(struct device *dev);
int dpmem_ns_rw_bytes(struct nd_namespace_common *ndns, u64 offset, void *buf,
		      size_t size, bool write);
const char *dpmem_dev_driver_name(struct device *dev);
void dpmem_ns_parent_uuid(struct device *dev, u8 *out);
void dpmem_uuid_gen(u8 *out);
void dpmem_device_lock(struct device *dev);
void dpmem_device_unlock(struct device *dev);
bool dpmem_bus_match(const struct device_driver *drv, struct device *dev);
struct device *dpmem_bus_find_device_by_name(const struct device_driver *drv,
					     const char *name);
bool dpmem_is_namespace(const struct device *dev);
struct device *dpmem_claim_holder_alloc(const char *name);
bool dpmem_fatal_signal_pending(void);
void *dpmem_bvec_virt(struct page *page, unsigned long offset);
int dpmem_dev_to_node(struct device *dev);
struct kernfs_node *dpmem_disk_badblocks_dirent(struct gendisk *disk);
u64 dpmem_pfn_t_dev_map(phys_addr_t phys);
bool dpmem_page_test_clear_hwpoison(unsigned long pfn);
int dpmem_clear_mce_nospec(unsigned long pfn);
const void *dpmem_zero_page(void);
struct workqueue_struct *dpmem_alloc_reclaim_wq(const char *name, int max_active);
struct workqueue_struct *dpmem_alloc_unbound_wq(int max_active);

/* Module parameters (dpmem_helpers.c). */
/* The on-media placement values (format/placement.rs), then auto. */
#define DPMEM_PLACEMENT_HEAD 0
#define DPMEM_PLACEMENT_SECTIONED 1
#define DPMEM_PLACEMENT_GROUPED 2
#define DPMEM_PLACEMENT_RAM 3
#define DPMEM_PLACEMENT_NONE 4
#define DPMEM_PLACEMENT_AUTO 5
unsigned int dpmem_param_teardown_threads(void);
int dpmem_param_default_placement(void);
unsigned int dpmem_param_lazy_init_delay_ms(void);
/* ram_unit_mib: 2 MiB steps up to this (format/layout.rs MAX_RAM_UNIT) */
#define DPMEM_RAM_UNIT_MAX_MIB 128
unsigned int dpmem_param_ram_unit_mib(void);
void dpmem_sysfs_attr_init(struct attribute *attr);
unsigned int dpmem_memalloc_noio_save(void);
void dpmem_memalloc_noio_restore(unsigned int flags);
bool dpmem_badblocks_entry(struct badblocks *bb, int i, u64 *sector,
			   u32 *sectors);

/* KUnit reporting for Rust test cases (KUNIT_FAIL is a macro). */
void dpmem_kunit_fail(struct kunit *test, const char *file, int line,
		      const char *msg);

#endif /* _DPMEM_H */
