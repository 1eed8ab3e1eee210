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

#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/libnvdimm.h>
#include <linux/nd.h>
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

/* dpmem_helpers.c: shims for static inlines and macros. */
void *dpmem_dev_get_drvdata(const struct device *dev);
void dpmem_dev_set_drvdata(struct device *dev, void *data);
void dpmem_namespace_resource(struct device *dev, u64 *start, u64 *size);
struct nd_namespace_common *dpmem_to_ndns(struct device *dev);
int dpmem_ns_rw_bytes(struct nd_namespace_common *ndns, u64 offset, void *buf,
		      size_t size, bool write);
const char *dpmem_ns_claimed_by(struct device *dev);
const char *dpmem_dev_driver_name(struct device *dev);
void dpmem_ns_parent_uuid(struct device *dev, u8 *out);
void dpmem_uuid_gen(u8 *out);
void dpmem_device_lock(struct device *dev);
void dpmem_device_unlock(struct device *dev);
bool dpmem_bus_match(const struct device_driver *drv, struct device *dev);
struct device *dpmem_bus_find_device_by_name(const struct device_driver *drv,
					     const char *name);
bool dpmem_is_err(const void *ptr);
long dpmem_ptr_err(const void *ptr);

/* KUnit reporting for Rust test cases (KUNIT_FAIL is a macro). */
void dpmem_kunit_fail(struct kunit *test, const char *file, int line,
		      const char *msg);

#endif /* _DPMEM_H */
