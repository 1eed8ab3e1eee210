# SPDX-License-Identifier: GPL-2.0
# guest-args: --mem 2G --append memmap=512M!256M,512M!1G
#
# A page memory_failure() took out of service comes back when its poison
# is cleared (#18: pmem_mkpage_present() in pmem.c). memory_failure() marks
# a DAX page PG_hwpoison and kills its users; after a machine check it also
# unmaps the page from the kernel's direct map. A write that clears the
# poison must clear both, or the page stays marked (and, after a real
# machine check, unmapped for every kernel user of its struct page) for as
# long as the namespace is bound.
#
# Here, on legacy e820 pmem (where clearing succeeds), for dpmem (head and
# sectioned placement) and for nd_pmem fsdax in the same guest, ext4 and
# xfs (without the reverse-mapping btree, with which xfs handles the
# failure itself and the page is not marked): madvise(MADV_HWPOISON) runs
# memory_failure() on a file page as a machine check would; the page's sectors are marked bad, as the NFIT MCE
# notifier would; a write() over the page heals it. PG_hwpoison of a
# ZONE_DEVICE page cannot be read from user space (/proc/kpageflags and
# unpoison-pfn skip pages that are not online), so dpmem says in the log
# which pages it put back in service; the rest is checked on both drivers.
. ./lib.sh

MIB=1048576
a=$(namespace_of_size $((512 * MIB)))
for n in /sys/bus/nd/devices/namespace*; do
	n=${n##*/}
	[ "$n" != "$a" ] && [ "$(cat /sys/bus/nd/devices/$n/size)" = $((512 * MIB)) ] && b=$n
done
check "two legacy namespaces" test -n "$a" -a -n "${b:-}"
check "modprobe dpmem" modprobe dpmem
pl=$(placement_or head)
check "format one for dpmem ($pl)" dpmem_format "$a" $pl
check "modprobe nd_pmem" modprobe nd_pmem
check "nd_pmem fsdax on the other" ndctl create-namespace -f -e "$b" -m fsdax -M dev

head -c 65536 /dev/urandom >/tmp/pat
# round DISK FS BASE: poison, kill, mark bad, heal, on a file of FS on DISK
# whose byte 0 is at physical BASE (0 if unknown).
round() {
	d=$1 fs=$2 base=$3
	case $fs in
	ext4) mk="mkfs.ext4 -q -F -b 4096" ;;
	xfs) mk="mkfs.xfs -q -f -m reflink=0,rmapbt=0" ;;
	esac
	check "$d/$fs: mkfs and mount -o dax" sh -c "$mk /dev/$d && mount -o dax /dev/$d /mnt"
	cp /tmp/pat /mnt/f
	sync
	off=$(./daxtool phys /mnt/f)
	check "$d/$fs: the file's first page at device offset $off" test -n "$off"
	[ -n "${first_section_data:-}" ] &&
		check "$d/$fs: ... in the first section's data" test "$off" -lt "$first_section_data"
	for cycle in 1 2; do
		dmesg -c >/dev/null
		./daxtool hwpoison /mnt/f 0 >/tmp/hw.out 2>&1
		check_eq "$d/$fs ($cycle): memory_failure() kills the page's user" "$?" 135
		check "$d/$fs ($cycle): the kernel recovered the DAX page" \
			klog_has "recovery action for dax page: Recovered"
		echo "$((off / 512)) 8" >/sys/block/$d/badblocks
		check_fails "$d/$fs ($cycle): read() of the page fails" dd if=/mnt/f of=/dev/null bs=4k count=1
		check "$d/$fs ($cycle): a write() over the page" \
			dd if=/tmp/pat of=/mnt/f bs=4k count=1 conv=notrunc,fsync
		check_eq "$d/$fs ($cycle): the write cleared the bad sectors" "$(cat /sys/block/$d/badblocks)" ""
		case $d in
		dpmem*) check "$d/$fs ($cycle): the page is back in service" \
			klog_has "$d: poison cleared at $(printf '%#x' $((base + off))): page back in service" ;;
		esac
		check "$d/$fs ($cycle): the page maps again" ./daxtool touch /mnt/f 1 0
		check "$d/$fs ($cycle): the file holds what was written" sh -c "cmp /mnt/f /tmp/pat"
	done
	check "$d/$fs: umount" umount /mnt
}

ad=$(blockdev_of "$a")
bd=$(blockdev_of "$b")
a_base=$(disk_phys "$a")
round "$bd" ext4 0
round "$bd" xfs 0
round "$ad" ext4 "$a_base"
check "reformat dpmem sectioned" sh -c \
	"echo $a >/sys/bus/nd/drivers/dpmem/unbind && echo '$a sectioned force' >/sys/bus/nd/drivers/dpmem/format"
ad=$(blockdev_of "$a")
check_eq "sectioned placement" "$(cat /sys/bus/nd/devices/$a/dpmem/placement)" sectioned
# Sectioned: the data is not linear on the media; base + off is right for
# the file's first page only if it lies in the first section's data (the
# namespace starts on a section boundary), which a fresh xfs puts its
# first file in (checked in round).
a_base=$(disk_phys "$a")
first_section_data=$((128 * MIB - $(cat /sys/bus/nd/devices/$a/dpmem/data_offset)))
round "$ad" xfs "$a_base"
check "unbind dpmem" sh -c "echo $a >/sys/bus/nd/drivers/dpmem/unbind"
check "rmmod dpmem" rmmod dpmem
check_no_kernel_warnings "no WARN or BUG"
done_testing
