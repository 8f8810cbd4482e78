//! Tests that cross the layers: the domain's rules as the exchange of files meets them.

use chrono::NaiveDate;

use crate::access::{Actor, Role};
use crate::error::Error;
use crate::record::RecordId;
use crate::term::Term;
use crate::{Store, SCHEMA};

fn forbidden<T: std::fmt::Debug>(r: crate::error::Result<T>, what: &str) {
    match r {
        Err(Error::Forbidden { reason, reason_en }) => {
            assert!(reason.contains("李老师") && reason_en.contains("teacher"), "{what}: {reason}");
        }
        other => panic!("{what}: expected 权限不足, got {other:?}"),
    }
}

/// A teacher's account may not make the signing key, export for the county or import: the
/// exchange's functions ask `access` as the domain's do.
#[test]
fn a_teacher_may_not_sign_export_or_import() {
    let mut st = Store::open_in_memory(&SCHEMA).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    st.act_as_for_tests(Actor { id: RecordId::new(), login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: Some(RecordId::new()) });
    forbidden(crate::signing::create(&mut st, "a-long-passphrase"), "create the signing key");
    forbidden(crate::bundle::preview(&st, Term::of(today), today), "export for the county");
    forbidden(crate::import::dry_run(&st, crate::import::ImportKind::Roster, b"a,b\n1,2\n", &Default::default()), "import");
}
