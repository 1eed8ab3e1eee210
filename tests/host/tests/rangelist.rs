// SPDX-License-Identifier: GPL-2.0

//! Range lists as `units_initialised` shows them.

use dpmem_host::rangelist::{RangeList, MORE};

fn list(cap: usize, nums: impl IntoIterator<Item = u64>) -> String {
    let mut buf = vec![0u8; cap];
    let mut l = RangeList::new(&mut buf);
    for n in nums {
        l.push(n);
    }
    let len = l.finish();
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

#[test]
fn empty_is_a_newline() {
    assert_eq!(list(4096, []), "\n");
}

#[test]
fn singles_and_runs() {
    assert_eq!(list(4096, [0, 3, 4, 5, 9]), "0,3-5,9\n");
    assert_eq!(list(4096, [7]), "7\n");
    assert_eq!(
        list(4096, [u64::MAX - 1, u64::MAX]),
        format!("{}-{}\n", u64::MAX - 1, u64::MAX)
    );
}

#[test]
fn a_list_longer_than_the_page_ends_with_more_and_cuts_no_number() {
    // 1 TiB, sectioned: 8192 sections, every other one initialised. The
    // sysfs page less its last byte (SysfsOut::write_with), so a show never
    // returns a whole page.
    let s = list(4095, (0..8192).step_by(2));
    assert!(s.len() < 4096, "{} bytes", s.len());
    assert!(
        s.ends_with(&format!("{}\n", std::str::from_utf8(MORE).unwrap())),
        "{s:?}"
    );
    let body = s
        .trim_end_matches('\n')
        .trim_end_matches(std::str::from_utf8(MORE).unwrap());
    let nums: Vec<u64> = body.split(',').map(|x| x.parse().unwrap()).collect();
    for (i, n) in nums.iter().enumerate() {
        assert_eq!(
            *n,
            2 * i as u64,
            "every listed number is whole and in order"
        );
    }
    assert!(nums.len() > 700, "the page is used: {} ranges", nums.len());
}

#[test]
fn a_list_with_just_room_for_the_marker_has_none() {
    // "0,2,...,8" is 9 bytes plus the newline.
    assert_eq!(list(10 + MORE.len(), [0, 2, 4, 6, 8]), "0,2,4,6,8\n");
    assert_eq!(list(10 + MORE.len() - 1, [0, 2, 4, 6, 8]), "0,2,4,6,...\n");
}

#[test]
fn every_cut_is_clean() {
    for cap in 1..64 {
        let s = list(cap, (0..40).step_by(3));
        assert!(s.len() <= cap || cap < MORE.len() + 1, "cap {cap}: {s:?}");
        assert!(!s.contains(",,") && !s.starts_with(','), "cap {cap}: {s:?}");
    }
}
