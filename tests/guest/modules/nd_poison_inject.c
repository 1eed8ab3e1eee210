// SPDX-License-Identifier: GPL-2.0
/*
 * nd_poison_inject - test-only: the platform reports poison.
 *
 * On real hardware an address range scrub or a machine check adds a
 * physical range to the nd bus's poison list and tells the region's
 * drivers (NVDIMM_REVALIDATE_POISON). QEMU's NFIT can report poison only
 * through a machine check and cannot clear it; legacy e820 pmem, where
 * clearing works, has no way to report any. This module does what the
 * NFIT driver does when ARS finds poison, for any region:
 *
 *   echo "regionN PHYS LEN" >/sys/module/nd_poison_inject/parameters/inject
 *
 * (PHYS in hex, LEN in bytes). Everything after that is the kernel's and
 * the drivers' own code. Built only by tests/run-guest-tests.
 */
#include <linux/device.h>
#include <linux/libnvdimm.h>
#include <linux/module.h>
#include <linux/nd.h>

/*
 * Registered only to learn the nd bus (nvdimm_bus_type is not exported);
 * it matches DIMM devices, which the nvdimm driver already holds, and
 * binds nothing.
 */
static int inject_probe(struct device *dev)
{
	return -ENXIO;
}

static struct nd_device_driver inject_driver = {
	.probe = inject_probe,
	.drv = { .name = "nd_poison_inject" },
	.type = ND_DRIVER_DIMM,
};

static int inject_set(const char *val, const struct kernel_param *kp)
{
	char name[32];
	unsigned long long phys, len;
	struct device *dev;
	int rc;

	if (sscanf(val, "%31s %llx %llu", name, &phys, &len) != 3 || !len)
		return -EINVAL;
	if (strncmp(name, "region", 6))
		return -EINVAL;
	dev = bus_find_device_by_name(inject_driver.drv.bus, NULL, name);
	if (!dev)
		return -ENODEV;
	rc = nvdimm_bus_add_badrange(to_nvdimm_bus(dev->parent), phys, len);
	if (!rc) {
		pr_info("%s: poison reported at %#llx, %llu bytes\n", name, phys, len);
		nvdimm_region_notify(to_nd_region(dev), NVDIMM_REVALIDATE_POISON);
	}
	put_device(dev);
	return rc;
}

static const struct kernel_param_ops inject_ops = {
	.set = inject_set,
};
module_param_cb(inject, &inject_ops, NULL, 0200);
MODULE_PARM_DESC(inject, "\"regionN PHYS LEN\": report poison there");

static int __init inject_init(void)
{
	return nd_driver_register(&inject_driver);
}

static void __exit inject_exit(void)
{
	driver_unregister(&inject_driver.drv);
}

module_init(inject_init);
module_exit(inject_exit);
MODULE_DESCRIPTION("Test-only: report nvdimm poison as a platform would");
MODULE_LICENSE("GPL");
