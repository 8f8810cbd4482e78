//! Who acts: the account a store acts for, and its role. The store stamps the account on
//! every record it writes; `access` (in the domain) decides what each role may do.

use serde::{Deserialize, Serialize};

use crate::record::{text_enum, RecordId};

text_enum! {
    /// An account's role.
    pub enum Role {
        Principal = "principal",   // 校长
        AidOfficer = "aid_officer", // 资助专干
        Teacher = "teacher",       // 教师（班主任 / 帮扶教师）
        Reviewer = "reviewer",     // 县级审核员
    }
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Principal => "校长",
            Role::AidOfficer => "资助专干",
            Role::Teacher => "教师",
            Role::Reviewer => "审核员",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Principal => "principal",
            Role::AidOfficer => "aid officer",
            Role::Teacher => "teacher",
            Role::Reviewer => "reviewer",
        }
    }
}

/// The account a store acts for: stamped on every record it writes, asked about every write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: RecordId,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// A teacher account's own teacher record (their pairings, classes, cards).
    pub teacher_id: Option<RecordId>,
}

impl Actor {
    /// The store itself, before any account exists: migrations, the first account's creation,
    /// and tests of other modules. A principal's rights, under the nil id.
    pub fn system() -> Actor {
        Actor { id: RecordId(uuid::Uuid::nil()), login: String::new(), name: "系统".into(), role: Role::Principal, teacher_id: None }
    }
}
