// SPDX-License-Identifier: GPL-2.0
/*
 * dpmem_kunit.c - KUnit suite tables for dpmem. The cases are Rust
 * functions (the .rs files beside this one); KUnit's registration macros
 * only exist in C. The suites run when dpmem.ko is loaded on a kernel
 * with CONFIG_KUNIT.
 */
#include <kunit/test.h>

void dpmem_kunit_disk_names(struct kunit *test);
void dpmem_kunit_namespace_ids(struct kunit *test);
void dpmem_kunit_info_block(struct kunit *test);
void dpmem_kunit_layout_table(struct kunit *test);
void dpmem_kunit_bio_segments(struct kunit *test);
void dpmem_kunit_linear_span(struct kunit *test);
void dpmem_kunit_blk_status(struct kunit *test);
void dpmem_kunit_sectioned_map(struct kunit *test);
void dpmem_kunit_lazy_concurrency(struct kunit *test);
void dpmem_kunit_lazy_transient(struct kunit *test);
void dpmem_kunit_lazy_quiesce(struct kunit *test);

static struct kunit_case dpmem_naming_cases[] = {
	KUNIT_CASE(dpmem_kunit_disk_names),
	KUNIT_CASE(dpmem_kunit_namespace_ids),
	{}
};

static struct kunit_suite dpmem_naming_suite = {
	.name = "dpmem_naming",
	.test_cases = dpmem_naming_cases,
};

static struct kunit_case dpmem_format_cases[] = {
	KUNIT_CASE(dpmem_kunit_info_block),
	KUNIT_CASE(dpmem_kunit_layout_table),
	{}
};

static struct kunit_suite dpmem_format_suite = {
	.name = "dpmem_format",
	.test_cases = dpmem_format_cases,
};

static struct kunit_case dpmem_block_cases[] = {
	KUNIT_CASE(dpmem_kunit_bio_segments),
	KUNIT_CASE(dpmem_kunit_linear_span),
	KUNIT_CASE(dpmem_kunit_blk_status),
	{}
};

static struct kunit_suite dpmem_block_suite = {
	.name = "dpmem_block",
	.test_cases = dpmem_block_cases,
};

static struct kunit_case dpmem_lazy_cases[] = {
	KUNIT_CASE(dpmem_kunit_sectioned_map),
	KUNIT_CASE(dpmem_kunit_lazy_concurrency),
	KUNIT_CASE(dpmem_kunit_lazy_transient),
	KUNIT_CASE(dpmem_kunit_lazy_quiesce),
	{}
};

static struct kunit_suite dpmem_lazy_suite = {
	.name = "dpmem_lazy",
	.test_cases = dpmem_lazy_cases,
};

kunit_test_suites(&dpmem_naming_suite, &dpmem_format_suite, &dpmem_block_suite,
		  &dpmem_lazy_suite);
