// SPDX-License-Identifier: GPL-2.0

//! The format attribute's request syntax.

use dpmem_host::command::*;
use dpmem_host::layout::Placement;

#[test]
fn accepted_forms() {
    let c = parse_format(b"namespace0.0\n").unwrap();
    assert_eq!(
        (c.namespace, c.placement, c.force),
        ("namespace0.0", None, false)
    );
    let c = parse_format(b"namespace1.2 sectioned force").unwrap();
    assert_eq!(
        (c.namespace, c.placement, c.force),
        ("namespace1.2", Some(Placement::Sectioned), true)
    );
    let c = parse_format(b"namespace0.1 grouped").unwrap();
    assert_eq!(c.placement, Some(Placement::Grouped));
    let c = parse_format(b"  namespace3.0\tforce  head\n").unwrap();
    assert_eq!(
        (c.namespace, c.placement, c.force),
        ("namespace3.0", Some(Placement::Head), true)
    );
}

#[test]
fn refused_forms() {
    use CommandError::*;
    for (input, want) in [
        (&b""[..], Empty),
        (b"\n", Empty),
        (b"\xff\xfe", NotText),
        (b"pmem0", BadNamespace),
        (b"head namespace0.0", BadNamespace),
        (b"namespace0.0 lazy", UnknownWord),
        (b"namespace0.0 FORCE", UnknownWord),
        (b"namespace0.0 force force", Repeated),
        (b"namespace0.0 head sectioned", Repeated),
        (b"namespace0.0 grouped sectioned", Repeated),
        (b"namespace0.0 grouped grouped", Repeated),
        (b"namespace0.0 head head", Repeated),
    ] {
        assert_eq!(parse_format(input), Err(want), "{input:?}");
    }
}
