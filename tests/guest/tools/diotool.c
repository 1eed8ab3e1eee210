// SPDX-License-Identifier: GPL-2.0
/*
 * diotool - I/O between a DAX mapping and other devices, for the #19 guest
 * tests: the kernel must pin the mapping's pages (get_user_pages, so the
 * struct pages must exist) and hand them to another driver, which moves
 * the data by DMA (NVMe, virtio-blk) or by copying (loop, pmem). Built
 * static on the host by tests/run-guest-tests. Each command verifies the
 * data itself, exits 0 on success and says what failed otherwise.
 *
 *   diotool dio DEV DAXFILE SIZE from|to small|huge SEED [uring]
 *       from: SIZE bytes of a pattern are put on DEV, then read from DEV
 *       with O_DIRECT into a fresh shared mapping of DAXFILE that nothing
 *       touched before (the pins fault it in); the mapping, and read() of
 *       the file after munmap, must hold the pattern.
 *       to: DAXFILE gets the pattern with write(); its fresh mapping is
 *       written to DEV with O_DIRECT; DEV must then hold it.
 *       huge: the mapping is 2 MiB aligned, so PMD faults are possible;
 *       small: it is not, so only 4 KiB faults are. Each run writes its
 *       own pattern (SEED). uring: the O_DIRECT transfer to or from the
 *       mapping is 8 io_uring reads or writes in flight at once, with the
 *       mapping as ordinary (not registered) buffers, so io_uring pins the
 *       pages itself (inline or in its workers) for each request.
 *   diotool fork DEV DAXFILE SIZE
 *       a child forked with the shared mapping reads DEV into it with
 *       O_DIRECT; the parent sees the data through its own mapping.
 *   diotool vmreadv DAXFILE SIZE
 *       a child maps DAXFILE and waits; the parent copies the mapping with
 *       process_vm_readv() and compares with read() of the file.
 *   diotool vmsplice DAXFILE SIZE
 *       the mapping's pages are spliced into a pipe (vmsplice) and read
 *       back from it; compared with read() of the file.
 *   diotool pinbreak DEV DAXFILE SIZE truncate|punch|none
 *       a child writes DAXFILE's fresh mapping (holding a pattern) to DEV
 *       with O_DIRECT, which pins its pages while the (slow) disk works;
 *       300 ms in, the parent truncates the file or punches out all of it
 *       (none: does nothing), which must wait until the pins are dropped
 *       (dax_layout_busy_page). Prints how long that took and when the
 *       transfer ended (ms after the break began); DEV must hold the pattern,
 *       and the file be empty (truncate) or zeros (punch).
 *   diotool longterm DAXFILE
 *       registers the mapping as io_uring fixed buffers (a FOLL_LONGTERM
 *       pin); prints "refused ERRNO-NAME" or "registered".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define SZ_2M (2UL << 20)

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "diotool: %s %s: %s\n", what, arg, strerror(errno));
	return 1;
}

static void fill(void *buf, size_t size, uint64_t seed)
{
	uint64_t *p = buf;

	for (size_t i = 0; i < size / 8; i++) {
		uint64_t x = seed ^ (i * 0x9e3779b97f4a7c15ULL);

		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ULL;
		p[i] = x ^ (x >> 29);
	}
}

static int same(const void *got, const void *want, size_t size, const char *what)
{
	const char *g = got, *w = want;

	for (size_t i = 0; i < size; i++)
		if (g[i] != w[i]) {
			fprintf(stderr, "diotool: %s: first difference at byte %zu\n", what, i);
			return 0;
		}
	return 1;
}

static void *aligned_buf(size_t size)
{
	void *p;

	return posix_memalign(&p, 4096, size) ? NULL : p;
}

/*
 * A shared mapping of SIZE bytes of FD from offset 0: 2 MiB aligned if HUGE
 * (PMD faults possible), else 4 KiB past a 2 MiB boundary, so that only
 * 4 KiB faults are (the kernel would align a large mapping by itself).
 */
static char *map(int fd, size_t size, int huge)
{
	char *raw, *p;

	raw = mmap(NULL, size + 2 * SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + SZ_2M - 1) & ~(SZ_2M - 1));
	if (!huge)
		p += 4096;
	p = mmap(p, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Sized, allocated file (so the filesystem can give it huge extents). */
static int open_daxfile(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (fallocate(fd, 0, 0, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An io_uring instance set up with raw system calls (no liburing). */
struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r, unsigned int entries)
{
	struct io_uring_params p = { 0 };
	char *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/*
 * SIZE bytes between BUF and DFD offset 0 as NR io_uring requests in flight
 * at once; 0 when every one moved all its bytes, else -1 with errno set.
 */
static int uring_xfer(int dfd, char *buf, size_t size, int write, unsigned int nr)
{
	size_t chunk = size / nr;
	unsigned int tail, head, done = 0;
	long submitted;
	struct ring r;
	int ok = 1;

	if (size % (nr * 4096UL)) {
		errno = EINVAL;
		return -1;
	}
	if (ring_setup(&r, nr))
		return -1;
	tail = *r.sq_tail;
	for (unsigned int i = 0; i < nr; i++, tail++) {
		unsigned int idx = tail & *r.sq_mask;
		struct io_uring_sqe *sqe = &r.sqes[idx];

		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
		sqe->fd = dfd;
		sqe->addr = (uintptr_t)(buf + i * chunk);
		sqe->len = chunk;
		sqe->off = i * chunk;
		r.sq_array[idx] = idx;
	}
	__atomic_store_n(r.sq_tail, tail, __ATOMIC_RELEASE);
	submitted = syscall(__NR_io_uring_enter, r.fd, nr, nr, IORING_ENTER_GETEVENTS, NULL, 0);
	if (submitted != (long)nr) {
		if (submitted >= 0)
			errno = EIO; /* the rest would never complete */
		return -1;
	}
	head = *r.cq_head;
	while (done < nr) {
		if (head == __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE)) {
			if (syscall(__NR_io_uring_enter, r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
				return -1;
			continue;
		}
		if (r.cqes[head & *r.cq_mask].res != (int)chunk) {
			int res = r.cqes[head & *r.cq_mask].res;

			errno = res < 0 ? -res : EIO;
			ok = 0;
		}
		/* Consumed: the next io_uring_enter() waits for a new one. */
		__atomic_store_n(r.cq_head, ++head, __ATOMIC_RELEASE);
		done++;
	}
	close(r.fd);
	return ok ? 0 : -1;
}

/* SIZE bytes between BUF and DFD offset 0: one pread/pwrite, or io_uring. */
static int xfer(int dfd, char *buf, size_t size, int write, int uring)
{
	if (uring)
		return uring_xfer(dfd, buf, size, write, 8);
	if (write)
		return pwrite(dfd, buf, size, 0) == (ssize_t)size ? 0 : -1;
	return pread(dfd, buf, size, 0) == (ssize_t)size ? 0 : -1;
}

static int cmd_dio(const char *dev, const char *path, size_t size, const char *dir,
		   const char *kind, uint64_t seed, int uring)
{
	int huge = !strcmp(kind, "huge"), from = !strcmp(dir, "from");
	char *want = aligned_buf(size), *got = aligned_buf(size), *p;
	int dfd = open(dev, O_RDWR | O_DIRECT), fd = open_daxfile(path, size);

	if (dfd < 0)
		return fail("open O_DIRECT", dev);
	if (fd < 0)
		return fail("create", path);
	if (!want || !got)
		return fail("malloc", "");
	fill(want, size, seed);
	if (from) {
		if (pwrite(dfd, want, size, 0) != (ssize_t)size || fsync(dfd))
			return fail("write the pattern to", dev);
	} else if (pwrite(fd, want, size, 0) != (ssize_t)size || fsync(fd)) {
		return fail("write the pattern to", path);
	}
	p = map(fd, size, huge);
	if (!p)
		return fail("mmap", path);
	if (from) {
		if (xfer(dfd, p, size, 0, uring))
			return fail("O_DIRECT read into the DAX mapping from", dev);
		if (!same(p, want, size, "the DAX mapping after the read"))
			return 1;
	} else {
		if (xfer(dfd, p, size, 1, uring) || fsync(dfd))
			return fail("O_DIRECT write from the DAX mapping to", dev);
		if (pread(dfd, got, size, 0) != (ssize_t)size)
			return fail("read back", dev);
		if (!same(got, want, size, "the device after the write"))
			return 1;
	}
	munmap(p, size);
	if (from) {
		if (pread(fd, got, size, 0) != (ssize_t)size)
			return fail("read back", path);
		if (!same(got, want, size, "the file after the read"))
			return 1;
	}
	return 0;
}

static int cmd_fork(const char *dev, const char *path, size_t size)
{
	char *want = aligned_buf(size), *p;
	int status, dfd = open(dev, O_RDWR | O_DIRECT), fd = open_daxfile(path, size);
	pid_t pid;

	if (dfd < 0 || fd < 0 || !want)
		return fail("open", dev);
	fill(want, size, 42);
	if (pwrite(dfd, want, size, 0) != (ssize_t)size || fsync(dfd))
		return fail("write the pattern to", dev);
	p = map(fd, size, 0);
	if (!p)
		return fail("mmap", path);
	p[0] = 0; /* the parent has the first page mapped too */
	pid = fork();
	if (pid < 0)
		return fail("fork", "");
	if (!pid)
		_exit(pread(dfd, p, size, 0) == (ssize_t)size ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("the child's O_DIRECT read from", dev);
	return same(p, want, size, "the parent's mapping") ? 0 : 1;
}

static int cmd_vmreadv(const char *path, size_t size)
{
	int fd = open(path, O_RDONLY), pipefd[2], status;
	char *want = malloc(size), *got = malloc(size), *p, c;
	pid_t pid;

	if (fd < 0 || !want || !got || pipe(pipefd))
		return fail("open", path);
	if (pread(fd, want, size, 0) != (ssize_t)size)
		return fail("read", path);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	pid = fork();
	if (pid < 0)
		return fail("fork", "");
	if (!pid) {
		/* The child's mapping is the same address; it waits for us. */
		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	munmap(p, size); /* only the child has it now */
	{
		struct iovec local = { got, size }, remote = { p, size };

		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)size)
			return fail("process_vm_readv", path);
	}
	close(pipefd[1]);
	waitpid(pid, &status, 0);
	return same(got, want, size, "process_vm_readv of the child's mapping") ? 0 : 1;
}

static int cmd_vmsplice(const char *path, size_t size)
{
	int fd = open(path, O_RDONLY), pipefd[2];
	char *want = malloc(size), *got = malloc(size), *p;
	size_t done = 0;

	if (fd < 0 || !want || !got || pipe(pipefd))
		return fail("open", path);
	if (pread(fd, want, size, 0) != (ssize_t)size)
		return fail("read", path);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	while (done < size) {
		size_t chunk = size - done < 65536 ? size - done : 65536;
		struct iovec iov = { p + done, chunk };
		ssize_t n = vmsplice(pipefd[1], &iov, 1, 0), r = 0;

		if (n <= 0)
			return fail("vmsplice", path);
		while (r < n) {
			ssize_t m = read(pipefd[0], got + done + r, n - r);

			if (m <= 0)
				return fail("read the pipe", path);
			r += m;
		}
		done += n;
	}
	return same(got, want, size, "the pipe's data") ? 0 : 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmd_pinbreak(const char *dev, const char *path, size_t size, const char *how)
{
	char *want = aligned_buf(size), *got = aligned_buf(size), *p;
	int dfd = open(dev, O_RDWR | O_DIRECT), fd = open_daxfile(path, size), status, pfd[2];
	long t_break, t_back, t_done = 0;
	pid_t pid;

	if (dfd < 0 || fd < 0 || !want || !got || pipe(pfd))
		return fail("open", dev);
	fill(want, size, 7);
	if (pwrite(fd, want, size, 0) != (ssize_t)size || fsync(fd))
		return fail("write the pattern to", path);
	p = map(fd, size, 0);
	if (!p)
		return fail("mmap", path);
	pid = fork();
	if (pid < 0)
		return fail("fork", "");
	if (!pid) {
		int ok = pwrite(dfd, p, size, 0) == (ssize_t)size;
		long t = now_ms();

		_exit(write(pfd[1], &t, sizeof(t)) == sizeof(t) && ok ? 0 : 1);
	}
	close(pfd[1]);
	usleep(300000);
	t_break = now_ms();
	if (!strcmp(how, "truncate") && ftruncate(fd, 0))
		return fail("truncate", path);
	if (!strcmp(how, "punch") &&
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, size))
		return fail("punch a hole in", path);
	t_back = now_ms();
	if (read(pfd[0], &t_done, sizeof(t_done)) != sizeof(t_done) ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("the child's O_DIRECT write to", dev);
	/* The child stamps its end only after pwrite() returns: within a few
	 * ms of the pins' release, before or after the break returns. */
	printf("%s took %ld ms; the transfer ended %ld ms after it began\n", how,
	       t_back - t_break, t_done - t_break);
	if (pread(dfd, got, size, 0) != (ssize_t)size)
		return fail("read back", dev);
	if (!same(got, want, size, "the device"))
		return 1;
	if (!strcmp(how, "none"))
		return 0; /* the test may have unbound the disk meanwhile */
	if (!strcmp(how, "truncate"))
		return lseek(fd, 0, SEEK_END) == 0 ? 0 : fail("file not empty:", path);
	if (pread(fd, got, size, 0) != (ssize_t)size)
		return fail("read back", path);
	if (!strcmp(how, "punch")) {
		memset(want, 0, size);
		return same(got, want, size, "the punched file") ? 0 : 1;
	}
	return same(got, want, size, "the file") ? 0 : 1;
}

static int cmd_longterm(const char *path)
{
	struct io_uring_params params = { 0 };
	int fd = open(path, O_RDWR), ring;
	struct iovec iov;
	char *p;
	long rc;

	if (fd < 0)
		return fail("open", path);
	p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0)
		return fail("io_uring_setup", "");
	iov.iov_base = p;
	iov.iov_len = 65536;
	rc = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1);
	if (rc)
		printf("refused %s\n", strerrorname_np(errno));
	else
		printf("registered\n");
	close(ring);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "dio") && (argc == 8 || (argc == 9 && !strcmp(argv[8], "uring"))))
		return cmd_dio(argv[2], argv[3], strtoull(argv[4], 0, 0), argv[5], argv[6],
			       strtoull(argv[7], 0, 0), argc == 9);
	if (!strcmp(c, "fork") && argc == 5)
		return cmd_fork(argv[2], argv[3], strtoull(argv[4], 0, 0));
	if (!strcmp(c, "vmreadv") && argc == 4)
		return cmd_vmreadv(argv[2], strtoull(argv[3], 0, 0));
	if (!strcmp(c, "vmsplice") && argc == 4)
		return cmd_vmsplice(argv[2], strtoull(argv[3], 0, 0));
	if (!strcmp(c, "pinbreak") && argc == 6)
		return cmd_pinbreak(argv[2], argv[3], strtoull(argv[4], 0, 0), argv[5]);
	if (!strcmp(c, "longterm") && argc == 3)
		return cmd_longterm(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of diotool.c\n");
	return 2;
}
