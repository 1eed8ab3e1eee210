// SPDX-License-Identifier: GPL-2.0
/*
 * daxtool - what the DAX guest tests need that busybox and fio lack.
 * Built static on the host by tests/run-guest-tests and copied into the
 * guest. Each command exits 0 on success and says what failed otherwise.
 *
 *   daxtool statx FILE               exit 0 if STATX_ATTR_DAX is set
 *   daxtool mapsync FILE             mmap(MAP_SHARED_VALIDATE|MAP_SYNC) works
 *   daxtool mwrite FILE SIZE SEED    size the file, write a pattern through
 *                                    a shared mapping, msync
 *   daxtool verify FILE SIZE SEED    read() the file, compare the pattern
 *   daxtool odirect SRC DAXFILE SIZE O_DIRECT-read SRC into a mapping of
 *                                    DAXFILE (needs its struct pages), then
 *                                    compare with a buffered read of SRC
 *   daxtool pmd FILE SIZE            fallocate, print the first extent's
 *                                    physical offset, fault every 2 MiB of a
 *                                    2 MiB-aligned shared mapping by writing
 *   daxtool phys FILE [OFFSET]       print the device offset of FILE's byte
 *                                    OFFSET (default 0)
 *   daxtool touch FILE THREADS [OFFSET [STRIDE]]
 *                                    map FILE shared, release THREADS threads
 *                                    at once, each reading a different page
 *                                    from OFFSET on, STRIDE bytes apart
 *                                    (default 4096), a read fault; print the
 *                                    microseconds until all were served
 *   daxtool now                      print CLOCK_MONOTONIC in microseconds
 *   daxtool stride-write FILE STRIDE write 4 KiB at every STRIDE bytes of the
 *                                    (allocated) FILE with pwrite, so those
 *                                    blocks hold data (read faults on
 *                                    unwritten extents map the zero page)
 *   daxtool stride-read FILE STRIDE  map FILE shared and read one byte every
 *                                    STRIDE bytes (a read fault each); print
 *                                    the microseconds it took
 *   daxtool timed-write PATH TEXT    write TEXT to PATH (a sysfs file), print
 *                                    the microseconds the write took
 *   daxtool faults FILE SIZE huge|small
 *                                    create FILE fresh (sparse, SIZE bytes),
 *                                    map it shared (2 MiB aligned for huge,
 *                                    4 KiB off for small, so only PTE
 *                                    faults are possible), write one byte
 *                                    per 2 MiB or 4 KiB; print faults/s
 *   daxtool memcpy MIB SECONDS [libc|movsb|movnti [CHUNK_KIB]]
 *                                    copy between two anonymous buffers of
 *                                    MIB MiB for SECONDS, CHUNK_KIB at a
 *                                    time (default: all), with glibc's
 *                                    memcpy (default), `rep movsb` (the
 *                                    kernel's copy_mc_to_kernel here) or
 *                                    8-byte movnti stores (the kernel's
 *                                    memcpy_flushcache); print MB/s
 *   daxtool journal PATH SEED COUNT  write COUNT 4 KiB records (seed, index,
 *                                    pattern, checksum) one after the other
 *                                    to PATH: a block device with
 *                                    O_DIRECT|O_DSYNC (FUA), else a file
 *                                    appended and fdatasync()ed; print
 *                                    "ACK SEED INDEX" once each is durable
 *   daxtool jcheck PATH SEED LAST    every record 0..LAST of SEED is intact;
 *                                    names the first one that is not
 *   daxtool hold FILE SECONDS        map FILE shared, read its first 8 bytes
 *                                    (a fault), sleep SECONDS with the
 *                                    mapping, read them again: exit 0 and
 *                                    print "same" if they did not change
 *                                    (SIGBUS ends it if the mapping was
 *                                    revoked meanwhile)
 *   daxtool sysfs-wait FILE MS       read the sysfs FILE, then wait up to MS
 *                                    ms for sysfs_notify() on it; fails on
 *                                    timeout
 *   daxtool ib-set DEV FIELD SIZE VALUE
 *                                    on the raw namespace DEV, set the dpmem
 *                                    info block's SIZE-byte field at FIELD
 *                                    (offset in the block) to VALUE and
 *                                    reseal its checksum (a crafted block)
 *   daxtool hwpoison FILE OFFSET     map FILE shared, fault in the page at
 *                                    OFFSET and madvise(MADV_HWPOISON) it:
 *                                    memory_failure() as for a machine
 *                                    check there; the kernel then kills
 *                                    this process with SIGBUS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

#define SZ_2M (2UL << 20)

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "daxtool: %s %s: %s\n", what, arg, strerror(errno));
	return 1;
}

static uint64_t pattern(uint64_t seed, uint64_t i)
{
	uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static void *map_file(const char *path, size_t size, int flags, int *fdp)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	void *p;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, size)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return p;
}

static int cmd_statx(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx))
		return fail("statx", path);
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX)) {
		fprintf(stderr, "daxtool: %s: filesystem does not report DAX\n", path);
		return 1;
	}
	return (stx.stx_attributes & STATX_ATTR_DAX) ? 0 : 1;
}

static int cmd_mapsync(const char *path)
{
	int fd;
	void *p = map_file(path, 4096, MAP_SHARED_VALIDATE | MAP_SYNC, &fd);

	if (!p)
		return fail("mmap MAP_SYNC", path);
	*(volatile char *)p = 1;
	munmap(p, 4096);
	close(fd);
	return 0;
}

static int cmd_mwrite(const char *path, size_t size, uint64_t seed)
{
	int fd;
	uint64_t *p = map_file(path, size, MAP_SHARED, &fd);

	if (!p)
		return fail("mmap", path);
	for (size_t i = 0; i < size / 8; i++)
		p[i] = pattern(seed, i);
	if (msync(p, size, MS_SYNC))
		return fail("msync", path);
	munmap(p, size);
	close(fd);
	return 0;
}

static int cmd_verify(const char *path, size_t size, uint64_t seed)
{
	uint64_t buf[512];
	size_t i = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", path);
	while (i < size / 8) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0) {
			fprintf(stderr, "daxtool: %s: short file at %zu\n", path, i * 8);
			return 1;
		}
		for (ssize_t j = 0; j < n / 8 && i < size / 8; j++, i++)
			if (buf[j] != pattern(seed, i)) {
				fprintf(stderr, "daxtool: %s: mismatch at byte %zu\n", path, i * 8);
				return 1;
			}
	}
	close(fd);
	return 0;
}

static int cmd_odirect(const char *src, const char *daxfile, size_t size)
{
	int dfd, sfd = open(src, O_RDONLY | O_DIRECT);
	char *p = map_file(daxfile, size, MAP_SHARED, &dfd);
	char *want = malloc(size);
	ssize_t n;

	if (sfd < 0)
		return fail("open O_DIRECT", src);
	if (!p || !want)
		return fail("mmap", daxfile);
	n = pread(sfd, p, size, 0);
	if (n != (ssize_t)size)
		return fail("O_DIRECT read into the DAX mapping from", src);
	close(sfd);
	sfd = open(src, O_RDONLY);
	if (sfd < 0 || pread(sfd, want, size, 0) != (ssize_t)size)
		return fail("buffered read", src);
	if (memcmp(p, want, size)) {
		fprintf(stderr, "daxtool: O_DIRECT data in the DAX mapping differs\n");
		return 1;
	}
	return 0;
}

static int cmd_pmd(const char *path, size_t size)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} f = { .fm = { .fm_length = ~0ULL, .fm_extent_count = 1 } };
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	char *raw, *p;

	if (fd < 0)
		return fail("open", path);
	if (fallocate(fd, 0, 0, size))
		return fail("fallocate", path);
	if (ioctl(fd, FS_IOC_FIEMAP, &f) || f.fm.fm_mapped_extents < 1)
		return fail("fiemap", path);
	printf("extent physical %llu length %llu aligned-2M %s\n",
	       (unsigned long long)f.ext[0].fe_physical,
	       (unsigned long long)f.ext[0].fe_length,
	       f.ext[0].fe_physical % SZ_2M ? "no" : "yes");
	raw = mmap(NULL, size + SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return fail("mmap reserve", path);
	p = (char *)(((uintptr_t)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	if (mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return fail("mmap", path);
	for (size_t off = 0; off < size; off += SZ_2M)
		p[off] = 1;
	printf("faulted %zu 2M units at %p\n", size / SZ_2M, p);
	munmap(p, size);
	close(fd);
	return 0;
}

static int extent_at(int fd, const char *path, uint64_t off, uint64_t *phys)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} f = { .fm = { .fm_start = off, .fm_length = 1, .fm_extent_count = 1,
			.fm_flags = FIEMAP_FLAG_SYNC } };

	if (ioctl(fd, FS_IOC_FIEMAP, &f) || f.fm.fm_mapped_extents < 1 ||
	    f.ext[0].fe_logical > off)
		return fail("fiemap", path);
	*phys = f.ext[0].fe_physical + (off - f.ext[0].fe_logical);
	return 0;
}

static int cmd_phys(const char *path, uint64_t off)
{
	int fd = open(path, O_RDONLY);
	uint64_t phys = 0;

	if (fd < 0)
		return fail("open", path);
	if (extent_at(fd, path, off, &phys))
		return 1;
	printf("%llu\n", (unsigned long long)phys);
	return 0;
}

struct toucher {
	pthread_t tid;
	pthread_barrier_t *go;
	volatile const char *page;
	char got;
};

static void *touch_one(void *arg)
{
	struct toucher *t = arg;

	pthread_barrier_wait(t->go);
	t->got = *t->page;
	return NULL;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int cmd_touch(const char *path, unsigned int threads, uint64_t off, uint64_t stride)
{
	struct toucher t[64];
	pthread_barrier_t go;
	struct stat st;
	uint64_t t0;
	size_t pages;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return fail("open", path);
	pages = st.st_size / 4096;
	if (threads < 1 || threads > 64 || off % 4096 || off / 4096 >= pages ||
	    !stride || stride % 4096) {
		fprintf(stderr, "daxtool: touch needs 1..64 threads, a page-aligned offset inside the file and stride\n");
		return 2;
	}
	p = mmap(NULL, pages * 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	pthread_barrier_init(&go, NULL, threads + 1);
	for (unsigned int i = 0; i < threads; i++) {
		t[i].go = &go;
		t[i].page = p + off + (i * (stride / 4096) % (pages - off / 4096)) * 4096;
		if (pthread_create(&t[i].tid, NULL, touch_one, &t[i]))
			return fail("pthread_create", path);
	}
	t0 = now_us();
	pthread_barrier_wait(&go);
	for (unsigned int i = 0; i < threads; i++)
		pthread_join(t[i].tid, NULL);
	printf("%llu\n", (unsigned long long)(now_us() - t0));
	munmap(p, pages * 4096);
	close(fd);
	return 0;
}

static int cmd_stride(const char *path, uint64_t stride, int write)
{
	int fd = open(path, write ? O_WRONLY : O_RDONLY);
	static char page[4096] = { 1 };
	volatile char sink;
	struct stat st;
	uint64_t t0;
	char *p;

	if (fd < 0 || fstat(fd, &st))
		return fail("open", path);
	if (!stride || stride % 4096)
		return fail("stride must be a multiple of 4096:", path);
	if (write) {
		for (uint64_t off = 0; off + 4096 <= (uint64_t)st.st_size; off += stride)
			if (pwrite(fd, page, 4096, off) != 4096)
				return fail("pwrite", path);
		return fsync(fd) ? fail("fsync", path) : 0;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	t0 = now_us();
	for (uint64_t off = 0; off < (uint64_t)st.st_size; off += stride)
		sink = p[off];
	(void)sink;
	printf("%llu\n", (unsigned long long)(now_us() - t0));
	munmap(p, st.st_size);
	close(fd);
	return 0;
}

static int cmd_timed_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	uint64_t t0;
	ssize_t n;

	if (fd < 0)
		return fail("open", path);
	t0 = now_us();
	n = write(fd, text, strlen(text));
	printf("%llu\n", (unsigned long long)(now_us() - t0));
	if (n != (ssize_t)strlen(text))
		return fail("write", path);
	close(fd);
	return 0;
}

static int cmd_faults(const char *path, size_t size, const char *kind)
{
	int huge = !strcmp(kind, "huge");
	size_t step = huge ? SZ_2M : 4096;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *raw, *p;
	uint64_t t0, us;

	if (fd < 0)
		return fail("open", path);
	if (ftruncate(fd, size))
		return fail("ftruncate", path);
	raw = mmap(NULL, size + 2 * SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return fail("mmap reserve", path);
	p = (char *)(((uintptr_t)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	if (!huge)
		p += 4096;
	if (mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return fail("mmap", path);
	t0 = now_us();
	for (size_t off = 0; off < size; off += step)
		p[off] = 1;
	us = now_us() - t0;
	printf("%.0f\n", (double)(size / step) * 1e6 / (double)(us ? us : 1));
	munmap(p, size);
	close(fd);
	return 0;
}

static void copy_libc(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

/* The copy loop of x86's copy_mc_enhanced_fast_string(). */
static void copy_movsb(void *dst, const void *src, size_t len)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(len) : : "memory");
}

/* The loop of x86's __memcpy_flushcache(): 64 bytes of 8-byte
 * non-temporal stores per step (len is a multiple of 64 here). */
static void copy_movnti(void *dst, const void *src, size_t len)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < len / 8; i += 8)
		for (int k = 0; k < 8; k++)
			asm volatile("movnti %1, %0" : "=m"(d[i + k]) : "r"(s[i + k]));
	asm volatile("sfence" ::: "memory");
}

static int cmd_memcpy(size_t mib, unsigned int seconds, const char *how, size_t chunk_kib)
{
	size_t len = mib << 20, chunk = chunk_kib ? chunk_kib << 10 : len;
	void (*copy)(void *, const void *, size_t);
	uint64_t t0, us, bytes = 0;
	char *a, *b;

	if (!mib || mib > (SIZE_MAX >> 21) || chunk_kib > (SIZE_MAX >> 10) ||
	    chunk > len || len % chunk || chunk % 64) {
		fprintf(stderr, "daxtool: memcpy needs MIB > 0 and a CHUNK_KIB that divides it in 64-byte steps (got %zu MiB, %zu KiB)\n",
			mib, chunk_kib);
		return 2;
	}
	if (!strcmp(how, "libc"))
		copy = copy_libc;
	else if (!strcmp(how, "movsb"))
		copy = copy_movsb;
	else if (!strcmp(how, "movnti"))
		copy = copy_movnti;
	else {
		fprintf(stderr, "daxtool: unknown copy method %s (libc, movsb, movnti)\n", how);
		return 2;
	}
	a = malloc(len);
	b = malloc(len);
	if (!a || !b) {
		free(a);
		free(b);
		return fail("malloc", "memcpy buffers");
	}
	memset(a, 1, len);
	memset(b, 2, len);
	t0 = now_us();
	do {
		for (size_t off = 0; off < len; off += chunk)
			copy(b + off, a + off, chunk);
		bytes += len;
		us = now_us() - t0;
	} while (us < seconds * 1000000ULL);
	printf("%.0f\n", (double)bytes / (double)us);
	free(a);
	free(b);
	return 0;
}

#define JOURNAL_MAGIC 0x5257504d454d5044ULL /* "DPMEMPWR" */

/* Record @i of journal @seed: header, pattern, fletcher-style sum last. */
static void journal_record(uint64_t *r, uint64_t seed, uint64_t i)
{
	uint64_t sum = 0;

	r[0] = JOURNAL_MAGIC;
	r[1] = seed;
	r[2] = i;
	for (int k = 3; k < 511; k++)
		r[k] = pattern(seed ^ (i << 20), k);
	for (int k = 0; k < 511; k++)
		sum = sum * 31 + r[k];
	r[511] = sum;
}

static int is_blockdev(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode);
}

static int cmd_journal(const char *path, uint64_t seed, uint64_t count)
{
	int dev = is_blockdev(path);
	int fd = open(path, dev ? O_WRONLY | O_DIRECT | O_DSYNC : O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint64_t *r;

	if (fd < 0)
		return fail("open", path);
	if (posix_memalign((void **)&r, 4096, 4096))
		return fail("posix_memalign", path);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (uint64_t i = 0; i < count; i++) {
		journal_record(r, seed, i);
		if (pwrite(fd, r, 4096, i * 4096) != 4096)
			return fail("pwrite", path);
		if (!dev && fdatasync(fd))
			return fail("fdatasync", path);
		printf("ACK %llu %llu\n", (unsigned long long)seed, (unsigned long long)i);
	}
	close(fd);
	return 0;
}

static int cmd_jcheck(const char *path, uint64_t seed, uint64_t last)
{
	int fd = open(path, O_RDONLY);
	uint64_t got[512], want[512];

	if (fd < 0)
		return fail("open", path);
	for (uint64_t i = 0; i <= last; i++) {
		if (pread(fd, got, 4096, i * 4096) != 4096) {
			fprintf(stderr, "daxtool: %s: record %llu of %llu missing (short read)\n", path,
				(unsigned long long)i, (unsigned long long)last);
			return 1;
		}
		journal_record(want, seed, i);
		if (memcmp(got, want, 4096)) {
			fprintf(stderr, "daxtool: %s: record %llu of %llu lost: found magic %llx seed %llu index %llu\n",
				path, (unsigned long long)i, (unsigned long long)last,
				(unsigned long long)got[0], (unsigned long long)got[1],
				(unsigned long long)got[2]);
			return 1;
		}
	}
	printf("jcheck: records 0..%llu of seed %llu intact\n", (unsigned long long)last,
	       (unsigned long long)seed);
	close(fd);
	return 0;
}

static int cmd_hold(const char *path, unsigned int seconds)
{
	int fd = open(path, O_RDONLY);
	volatile uint64_t *p;
	uint64_t first, again;

	if (fd < 0)
		return fail("open", path);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	first = p[0];
	printf("mapped\n");
	fflush(stdout);
	sleep(seconds);
	again = p[0];
	printf("%s\n", again == first ? "same" : "changed");
	return again != first;
}

static int cmd_sysfs_wait(const char *path, int ms)
{
	char buf[4096];
	struct pollfd p = { .events = POLLPRI | POLLERR };
	int n;

	p.fd = open(path, O_RDONLY);
	if (p.fd < 0)
		return fail("open", path);
	/* kernfs reports a change only after the file was read once. */
	if (read(p.fd, buf, sizeof(buf)) < 0)
		return fail("read", path);
	n = poll(&p, 1, ms);
	if (n < 0)
		return fail("poll", path);
	if (n == 0) {
		fprintf(stderr, "daxtool: %s: no notification in %d ms\n", path, ms);
		return 1;
	}
	printf("notified\n");
	return 0;
}

#define IB_OFFSET 4096
#define IB_SIZE 4096
#define IB_CSUM 4088

/* The info block's Fletcher-64 over 32-bit words, checksum field zero. */
static uint64_t ib_checksum(const unsigned char *b)
{
	uint64_t lo = 0, hi = 0;
	uint32_t w;

	for (size_t i = 0; i < IB_SIZE; i += 4) {
		memcpy(&w, b + i, 4);
		lo = (lo + w) & 0xffffffff;
		hi += lo;
	}
	return (hi << 32) | lo;
}

static int cmd_ib_set(const char *dev, size_t field, size_t size, uint64_t value)
{
	unsigned char b[IB_SIZE];
	uint64_t sum;
	int fd = open(dev, O_RDWR | O_SYNC);

	if (fd < 0)
		return fail("open", dev);
	if (size < 1 || size > 8 || field + size > IB_CSUM)
		return fail("field outside the info block", dev);
	if (pread(fd, b, IB_SIZE, IB_OFFSET) != IB_SIZE)
		return fail("read", dev);
	memcpy(b + field, &value, size); /* little endian */
	memset(b + IB_CSUM, 0, 8);
	sum = ib_checksum(b);
	memcpy(b + IB_CSUM, &sum, 8);
	if (pwrite(fd, b, IB_SIZE, IB_OFFSET) != IB_SIZE || fsync(fd))
		return fail("write", dev);
	close(fd);
	return 0;
}

static int cmd_hwpoison(const char *path, uint64_t off)
{
	volatile char *p;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return fail("open", path);
	if (off % 4096)
		return fail("offset not page aligned", path);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	(void)p[0];
	if (madvise((void *)p, 4096, MADV_HWPOISON))
		return fail("madvise(MADV_HWPOISON)", path);
	printf("not killed\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "statx") && argc == 3)
		return cmd_statx(argv[2]);
	if (!strcmp(c, "mapsync") && argc == 3)
		return cmd_mapsync(argv[2]);
	if (!strcmp(c, "mwrite") && argc == 5)
		return cmd_mwrite(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
	if (!strcmp(c, "verify") && argc == 5)
		return cmd_verify(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
	if (!strcmp(c, "odirect") && argc == 5)
		return cmd_odirect(argv[2], argv[3], strtoull(argv[4], 0, 0));
	if (!strcmp(c, "phys") && (argc == 3 || argc == 4))
		return cmd_phys(argv[2], argc == 4 ? strtoull(argv[3], 0, 0) : 0);
	if (!strcmp(c, "touch") && argc >= 4 && argc <= 6)
		return cmd_touch(argv[2], strtoul(argv[3], 0, 0),
				 argc >= 5 ? strtoull(argv[4], 0, 0) : 0,
				 argc == 6 ? strtoull(argv[5], 0, 0) : 4096);
	if (!strcmp(c, "now") && argc == 2)
		return printf("%llu\n", (unsigned long long)now_us()) < 0;
	if (!strcmp(c, "stride-write") && argc == 4)
		return cmd_stride(argv[2], strtoull(argv[3], 0, 0), 1);
	if (!strcmp(c, "stride-read") && argc == 4)
		return cmd_stride(argv[2], strtoull(argv[3], 0, 0), 0);
	if (!strcmp(c, "timed-write") && argc == 4)
		return cmd_timed_write(argv[2], argv[3]);
	if (!strcmp(c, "faults") && argc == 5)
		return cmd_faults(argv[2], strtoull(argv[3], 0, 0), argv[4]);
	if (!strcmp(c, "memcpy") && argc >= 4 && argc <= 6)
		return cmd_memcpy(strtoull(argv[2], 0, 0), strtoul(argv[3], 0, 0),
				  argc >= 5 ? argv[4] : "libc", argc == 6 ? strtoull(argv[5], 0, 0) : 0);
	if (!strcmp(c, "journal") && argc == 5)
		return cmd_journal(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
	if (!strcmp(c, "jcheck") && argc == 5)
		return cmd_jcheck(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0));
	if (!strcmp(c, "hold") && argc == 4)
		return cmd_hold(argv[2], strtoul(argv[3], 0, 0));
	if (!strcmp(c, "sysfs-wait") && argc == 4)
		return cmd_sysfs_wait(argv[2], atoi(argv[3]));
	if (!strcmp(c, "ib-set") && argc == 6)
		return cmd_ib_set(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0),
				  strtoull(argv[5], 0, 0));
	if (!strcmp(c, "hwpoison") && argc == 4)
		return cmd_hwpoison(argv[2], strtoull(argv[3], 0, 0));
	if (!strcmp(c, "pmd") && argc == 4)
		return cmd_pmd(argv[2], strtoull(argv[3], 0, 0));
	fprintf(stderr, "usage: see the comment at the top of daxtool.c\n");
	return 2;
}
