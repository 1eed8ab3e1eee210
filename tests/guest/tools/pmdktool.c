// SPDX-License-Identifier: GPL-2.0
/*
 * pmdktool - what PMDK's users do with a DAX file, for tests/guest/pmdk.sh.
 * Linked dynamically against Debian's PMDK (libpmemobj, libpmem2, libpmem)
 * by tests/run-guest-tests and copied into the guest with its libraries.
 * link: -lpmemobj -lpmem2 -lpmem
 *
 *   pmdktool tx POOL N         N libpmemobj transactions on the pool's root
 *                              object (a counter and a running sum), then
 *                              close, reopen and check both; prints the
 *                              counter
 *   pmdktool ispmem FILE       libpmem's pmem_map_file() is_pmem, and the
 *                              store granularity libpmem2 finds for a
 *                              shared mapping (byte, cacheline, page)
 *   pmdktool device FILE       libpmem2's device id of the file's device
 *   pmdktool badblocks FILE    libpmem2's bad blocks of FILE: one
 *                              "OFFSET LENGTH" line each, in bytes
 */
#include <fcntl.h>
#include <libpmem.h>
#include <libpmem2.h>
#include <libpmemobj.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct root {
	uint64_t counter;
	uint64_t sum;
};

static int fail(const char *what)
{
	fprintf(stderr, "pmdktool: %s: %s\n", what, pmemobj_errormsg());
	return 1;
}

static int fail2(const char *what)
{
	fprintf(stderr, "pmdktool: %s: %s\n", what, pmem2_errormsg());
	return 1;
}

static int cmd_tx(const char *path, uint64_t n)
{
	PMEMobjpool *pop = pmemobj_open(path, "dpmem");
	struct root *r;
	uint64_t start, sum;
	int aborted = 0;

	if (!pop)
		return fail("pmemobj_open");
	r = pmemobj_direct(pmemobj_root(pop, sizeof(*r)));
	if (!r)
		return fail("pmemobj_root");
	start = r->counter;
	sum = r->sum;
	for (uint64_t i = 0; i < n; i++) {
		TX_BEGIN(pop) {
			pmemobj_tx_add_range_direct(r, sizeof(*r));
			r->counter++;
			r->sum += r->counter;
		} TX_ONABORT {
			aborted = 1;
		} TX_END
		if (aborted)
			return fail("transaction aborted");
		sum += start + i + 1;
	}
	pmemobj_close(pop);
	pop = pmemobj_open(path, "dpmem");
	if (!pop)
		return fail("pmemobj_open again");
	r = pmemobj_direct(pmemobj_root(pop, sizeof(*r)));
	if (!r)
		return fail("pmemobj_root again");
	if (r->counter != start + n || r->sum != sum) {
		fprintf(stderr, "pmdktool: after reopening: counter %llu sum %llu, want %llu %llu\n",
			(unsigned long long)r->counter, (unsigned long long)r->sum,
			(unsigned long long)(start + n), (unsigned long long)sum);
		return 1;
	}
	printf("%llu\n", (unsigned long long)r->counter);
	pmemobj_close(pop);
	return 0;
}

static int source(const char *path, struct pmem2_source **src)
{
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	return pmem2_source_from_fd(src, fd) ? -1 : fd;
}

static int cmd_ispmem(const char *path)
{
	static const char *const names[] = { "byte", "cacheline", "page" };
	struct pmem2_source *src;
	struct pmem2_config *cfg;
	struct pmem2_map *map;
	size_t len;
	int is_pmem;
	void *p = pmem_map_file(path, 0, 0, 0, &len, &is_pmem);

	if (!p) {
		perror("pmem_map_file");
		return 1;
	}
	pmem_unmap(p, len);
	if (source(path, &src) < 0 || pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_map_new(&map, cfg, src))
		return fail2("pmem2 map");
	printf("is_pmem %d granularity %s\n", is_pmem, names[pmem2_map_get_store_granularity(map)]);
	return 0;
}

static int cmd_device(const char *path)
{
	struct pmem2_source *src;
	char id[256];
	size_t len = sizeof(id);

	if (source(path, &src) < 0 || pmem2_source_device_id(src, id, &len))
		return fail2("device id");
	printf("%s\n", id);
	return 0;
}

static int cmd_badblocks(const char *path)
{
	struct pmem2_badblock_context *bbctx;
	struct pmem2_badblock bb;
	struct pmem2_source *src;

	if (source(path, &src) < 0 || pmem2_badblock_context_new(&bbctx, src))
		return fail2("badblock context");
	while (pmem2_badblock_next(bbctx, &bb) == 0)
		printf("%zu %zu\n", bb.offset, bb.length);
	pmem2_badblock_context_delete(&bbctx);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "tx") && argc == 4)
		return cmd_tx(argv[2], strtoull(argv[3], 0, 0));
	if (!strcmp(c, "ispmem") && argc == 3)
		return cmd_ispmem(argv[2]);
	if (!strcmp(c, "device") && argc == 3)
		return cmd_device(argv[2]);
	if (!strcmp(c, "badblocks") && argc == 3)
		return cmd_badblocks(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of pmdktool.c\n");
	return 2;
}
