// SPDX-License-Identifier: GPL-2.0
/*
 * dpmem_helpers.c - C shims for what Rust cannot call directly: static
 * inline functions and macros of the kernel headers. Nothing else belongs
 * here; all logic is in Rust.
 */
#include <linux/err.h>
#include <linux/nd.h>
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

bool dpmem_is_err(const void *ptr)
{
	return IS_ERR(ptr);
}

long dpmem_ptr_err(const void *ptr)
{
	return PTR_ERR(ptr);
}

void dpmem_kunit_fail(struct kunit *test, const char *file, int line,
		      const char *msg)
{
	KUNIT_FAIL(test, "%s:%d: %s", file, line, msg);
}
