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
#include <kunit/test.h>

/*
 * Declared only in the private drivers/nvdimm/nd.h; exported to modules.
 * Prototypes copied from 6.12.
 */
struct nd_namespace_common *nvdimm_namespace_common_probe(struct device *dev);
int devm_namespace_enable(struct device *dev, struct nd_namespace_common *ndns,
			  resource_size_t size);
void devm_namespace_disable(struct device *dev,
			    struct nd_namespace_common *ndns);

/* dpmem_helpers.c: shims for static inlines and macros. */
void *dpmem_dev_get_drvdata(const struct device *dev);
void dpmem_dev_set_drvdata(struct device *dev, void *data);
void dpmem_namespace_resource(struct device *dev, u64 *start, u64 *size);
bool dpmem_is_err(const void *ptr);
long dpmem_ptr_err(const void *ptr);

/* KUnit reporting for Rust test cases (KUNIT_FAIL is a macro). */
void dpmem_kunit_fail(struct kunit *test, const char *file, int line,
		      const char *msg);

#endif /* _DPMEM_H */
