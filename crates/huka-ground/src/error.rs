//! Typed errors. Each has a stable `code` and a message in Simplified Chinese and English;
//! the window and the CLI show the message, scripts match on the code.
//! Messages never contain a resident ID number or any other personal detail.

use serde::Serialize;

use crate::resident_id::IdProblem;

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub use crate::lang::Lang;

/// An error a domain module defines for itself — a stable code, a sentence in each language —
/// so that this ground layer names no domain noun. It reaches callers as [`Error::Domain`];
/// [`Error::domain`] gets the typed value back (tests, the CLI's bundle verdicts).
pub trait DomainError: std::any::Any + std::fmt::Debug + Send + Sync {
    fn code(&self) -> &'static str;
    fn message(&self, lang: Lang) -> String;
    /// A file the user gave that cannot be read as what it should be (CLI exit status 2).
    fn unreadable_file(&self) -> bool {
        false
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule. Lists every field at fault, so a form can mark them all at once.
    #[error("invalid input: {}", .0.iter().map(|f| f.field).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<FieldError>),
    /// No live record of the kind: `kind` names it in English (scripts and tests match on it),
    /// `kind_zh` in Chinese — both given by the layer that knows its records.
    #[error("{kind} not found")]
    NotFound { kind: &'static str, kind_zh: &'static str },
    #[error("the database was written by a newer Huka (schema {found}, this version knows up to {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("the file is not a Huka database")]
    NotADatabase,
    #[error("there is no database at this path")]
    NoDatabase,
    #[error("a database already exists at this path")]
    DatabaseExists,
    #[error("the key file beside the database is missing")]
    KeyFileMissing,
    #[error("the key file beside the database is damaged or belongs to another database")]
    KeyFileDamaged,
    #[error("wrong login name or password")]
    WrongPassword,
    #[error("too many wrong passwords; wait {seconds} s")]
    TooManyAttempts { seconds: u64 },
    #[error("the database is not encrypted yet")]
    NotEncrypted,
    #[error("the encrypted copy did not match the original; nothing was replaced")]
    ConversionFailed,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("nobody is logged in")]
    Locked,
    #[error("a login is needed: --user NAME (or $HUKA_USER) and $HUKA_PASSWORD or a terminal")]
    NeedLogin,
    #[error("not allowed: {reason_en}")]
    Forbidden { reason: String, reason_en: String },
    /// A domain module's own refusal (see [`DomainError`]).
    #[error("{}", .0.message(Lang::En))]
    Domain(Box<dyn DomainError>),
    /// The drive a file is written to has not enough room for it (bytes); nothing was left
    /// half-written (see `file`).
    #[error("not enough room on the drive: {needed} bytes needed, {available} left")]
    NoRoom { needed: u64, available: u64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl<E: DomainError> From<E> for Error {
    fn from(e: E) -> Error {
        Error::Domain(Box::new(e))
    }
}

impl Error {
    /// The domain error of type `E` this is, if it is one.
    pub fn domain<E: DomainError>(&self) -> Option<&E> {
        match self {
            Error::Domain(d) => {
                let any: &dyn std::any::Any = &**d;
                any.downcast_ref()
            }
            _ => None,
        }
    }

    /// One field at fault; `labels` names it (see [`Labels`]).
    pub fn invalid(labels: Labels, field: &'static str, problem: Problem) -> Error {
        Error::Invalid(vec![FieldError::new(labels, field, problem)])
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::NotADatabase => "not_a_database",
            Error::NoDatabase => "no_database",
            Error::DatabaseExists => "database_exists",
            Error::KeyFileMissing => "key_file_missing",
            Error::KeyFileDamaged => "key_file_damaged",
            Error::WrongPassword => "wrong_password",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::NotEncrypted => "not_encrypted",
            Error::ConversionFailed => "conversion_failed",
            Error::AccountDisabled => "account_disabled",
            Error::Locked => "locked",
            Error::NeedLogin => "need_login",
            Error::Forbidden { .. } => "forbidden",
            Error::Domain(d) => d.code(),
            Error::NoRoom { .. } => "no_room",
            Error::Sqlite(_) => "database",
            Error::Io(_) => "io",
        }
    }

    /// True when a file could not be read as a spreadsheet of the expected kind at all
    /// (CLI exit status 2).
    pub fn is_unreadable_file(&self) -> bool {
        matches!(self, Error::Domain(d) if d.unreadable_file())
    }

    /// True when the command line was pointed at something that is not there (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::NoDatabase)
    }

    /// True when the error is the user's input being refused (CLI exit status 1).
    pub fn is_rejection(&self) -> bool {
        !matches!(self, Error::Sqlite(_) | Error::Io(_))
    }

    pub fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            Error::Invalid(fields) => {
                let zh = fields.iter().map(|f| f.message(Lang::Zh)).collect::<Vec<_>>().join("；");
                let en = fields.iter().map(|f| f.message(Lang::En)).collect::<Vec<_>>().join("; ");
                (format!("输入有误：{zh}"), format!("Please check the input: {en}"))
            }
            Error::NotFound { kind, kind_zh } => (
                format!("找不到该{kind_zh}，可能已被删除。"),
                format!("The {kind} was not found; it may have been deleted."),
            ),
            Error::SchemaTooNew { found, supported } => (
                format!("该数据库由更新版本的户卡写入（结构版本 {found}，本程序最高支持 {supported}），请升级户卡后再打开。数据库未作任何改动。"),
                format!("This database was written by a newer Huka (schema {found}; this version supports up to {supported}). Please upgrade Huka. The database was not changed."),
            ),
            Error::NotADatabase => (
                "该文件不是户卡数据库。".into(),
                "The file is not a Huka database.".into(),
            ),
            Error::NoDatabase => (
                "这里没有户卡数据库（只有初始化、恢复备份或加入本校时才会新建）。请检查路径。".into(),
                "There is no Huka database at this path (only init, restoring a backup or joining a school creates one). Check the path.".into(),
            ),
            Error::DatabaseExists => (
                "这里已经有一个数据库，不能再初始化。".into(),
                "A database already exists at this path; it cannot be set up again.".into(),
            ),
            Error::KeyFileMissing => (
                "这不是户卡数据库，或它旁边的密钥文件（.keys）不见了，无法解锁（可从备份恢复）。".into(),
                "This is not a Huka database, or the key file (.keys) beside it is missing so it cannot be unlocked (restore a backup).".into(),
            ),
            Error::KeyFileDamaged => (
                "数据库旁边的密钥文件（.keys）已损坏或属于另一个数据库。".into(),
                "The key file (.keys) beside the database is damaged or belongs to another database.".into(),
            ),
            Error::WrongPassword => ("登录名或密码不对。".into(), "Wrong login name or password.".into()),
            Error::TooManyAttempts { seconds } => (
                format!("密码错误次数太多，请 {seconds} 秒后再试。"),
                format!("Too many wrong passwords; try again in {seconds} s."),
            ),
            Error::NotEncrypted => (
                "这个数据库还没有加密：请先由校长创建账号并加密（窗口中打开即可，或运行 huka encrypt）。".into(),
                "This database is not encrypted yet: the principal creates an account and encrypts it first (open it in the window, or run huka encrypt).".into(),
            ),
            Error::ConversionFailed => (
                "加密后的副本与原数据库不一致，原文件未被替换，数据没有任何改动。".into(),
                "The encrypted copy did not match the original; the original file was not replaced and nothing changed.".into(),
            ),
            Error::AccountDisabled => ("该账号已停用。".into(), "The account is disabled.".into()),
            Error::Locked => ("已锁定，请先登录。".into(), "Locked; please log in.".into()),
            Error::NeedLogin => (
                "需要登录：用 --user 指定账号（或设置 HUKA_USER），密码来自 HUKA_PASSWORD 或在终端输入。".into(),
                "A login is needed: --user NAME (or $HUKA_USER), and the password from $HUKA_PASSWORD or typed at a terminal.".into(),
            ),
            Error::Forbidden { reason, reason_en } => (format!("权限不足：{reason}。"), format!("Not allowed: {reason_en}.")),
            Error::Domain(d) => (d.message(Lang::Zh), d.message(Lang::En)),
            Error::NoRoom { needed, available } => (
                format!("U盘或磁盘空间不足：需要约 {} MB，只剩 {} MB。请换一个U盘或先腾出空间。", mb(*needed, true), mb(*available, false)),
                format!("Not enough room on the USB stick or disk: about {} MB is needed, only {} MB is left. Use another stick or free some space first.", mb(*needed, true), mb(*available, false)),
            ),
            Error::Sqlite(e) => (format!("数据库出错，操作未生效：{e}"), format!("Database error; nothing was changed: {e}")),
            Error::Io(e) => (format!("读写文件出错：{e}"), format!("File error: {e}")),
        };
        lang.pick(zh, en)
    }

    /// Everything a caller shows: code, both messages and the fields at fault.
    pub fn report(&self) -> ErrorReport {
        let fields = match self {
            Error::Invalid(fields) => fields.iter().map(FieldError::report).collect(),
            _ => Vec::new(),
        };
        ErrorReport {
            code: self.code().to_string(),
            message: self.message(Lang::Zh),
            message_en: self.message(Lang::En),
            fields,
        }
    }
}

/// Bytes as megabytes (MiB) for a sentence: tenths below 10 MB, whole ones above, rounded up
/// for what is needed and down for what is left, so the two never look alike when they differ.
fn mb(bytes: u64, up: bool) -> String {
    const MIB: u64 = 1 << 20;
    let tenths = if up { bytes.saturating_mul(10).div_ceil(MIB) } else { bytes.saturating_mul(10) / MIB };
    if tenths >= 100 {
        let whole = if up { tenths.div_ceil(10) } else { tenths / 10 };
        whole.to_string()
    } else if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// An input field's label in both languages, as a message names it ("户编号" / "household
/// number").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

/// The labels of the fields of the layer that has forms: its field name → its label.
///
/// The labels are resolved where a field error is made — by [`Checks::new`] and
/// [`Error::invalid`], handed this table by the layer above (the domain's `labels::field`) —
/// and carried in the [`FieldError`]: no table registered once in a global, so no message can
/// be built before its labels are there, and this layer names no field of the school's forms.
pub type Labels = fn(&str) -> Label;

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The camelCase name of the input field, as the window's forms name it.
    pub field: &'static str,
    /// Its label, as `labels` gave it when the error was made.
    pub label: Label,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(labels: Labels, field: &'static str, problem: Problem) -> FieldError {
        FieldError { field, label: labels(field), problem }
    }

    /// "身份证号：校验位不对…" — the field's label and its problem.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}：{}", self.label.zh, self.problem.message(lang)),
            Lang::En => format!("{}: {}", self.label.en, self.problem.message(lang)),
        }
    }

    pub fn report(&self) -> FieldReport {
        FieldReport {
            field: self.field.to_string(),
            code: self.problem.code().to_string(),
            message: self.problem.message(Lang::Zh),
            message_en: self.problem.message(Lang::En),
        }
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Required,
    TooLong { max: usize },
    ResidentId(IdProblem),
    BadPhone,
    BadDate,
    FutureDate,
    BadTerm,
    NotAPhoto,
    PhotoTooLarge { max_mb: usize },
    BadAmount,
    PassphraseTooShort { min: usize },
    PassphraseMismatch,
    PasswordTooShort { min: usize },
    /// A rule the layer above declares (see [`Rule`]).
    Rule(&'static Rule),
    /// A rule of the layer above whose sentence carries a value (a date …), written out where
    /// the rule is broken.
    Stated { code: &'static str, zh: String, en: String },
}

/// A rule of the layer above, with its stable code and its sentence in each language, declared
/// once beside the code that checks it (`pub static DUPLICATE_GRANT: Rule = Rule { … }`) so
/// that this layer names none: a field that breaks it is `Problem::Rule(&DUPLICATE_GRANT)`.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::ResidentId(p) => p.code(),
            Problem::BadPhone => "bad_phone",
            Problem::BadDate => "bad_date",
            Problem::FutureDate => "future_date",
            Problem::BadTerm => "bad_term",
            Problem::NotAPhoto => "not_a_photo",
            Problem::PhotoTooLarge { .. } => "photo_too_large",
            Problem::BadAmount => "bad_amount",
            Problem::PassphraseTooShort { .. } => "passphrase_too_short",
            Problem::PassphraseMismatch => "passphrase_mismatch",
            Problem::PasswordTooShort { .. } => "password_too_short",
            Problem::Rule(rule) => rule.code,
            Problem::Stated { code, .. } => code,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let (zh, en): (String, String) = match self {
            Problem::Required => ("必填".into(), "required".into()),
            Problem::TooLong { max } => (format!("不能超过 {max} 个字"), format!("at most {max} characters")),
            Problem::ResidentId(p) => return p.message(lang),
            Problem::BadPhone => (
                "电话号码格式不对（应为 11 位手机号或带区号的座机号）".into(),
                "not a phone number (11-digit mobile or landline with area code)".into(),
            ),
            Problem::BadDate => ("日期格式应为 2013-03-05".into(), "a date looks like 2013-03-05".into()),
            Problem::FutureDate => ("日期不能晚于今天".into(), "the date is in the future".into()),
            Problem::BadTerm => ("学期应写作 2026-autumn 或 2027-spring".into(), "a term looks like 2026-autumn or 2027-spring".into()),
            Problem::NotAPhoto => ("只能选择 JPG 或 PNG 图片".into(), "choose a JPG or PNG picture".into()),
            Problem::PhotoTooLarge { max_mb } => (format!("图片不能超过 {max_mb} MB"), format!("the picture must be under {max_mb} MB")),
            Problem::BadAmount => ("金额应写作元，如 625 或 62.50".into(), "an amount in yuan, like 625 or 62.50".into()),
            Problem::PassphraseTooShort { min } => (format!("口令至少 {min} 个字符"), format!("at least {min} characters")),
            Problem::PassphraseMismatch => ("两次输入的口令不一致".into(), "the two entries differ".into()),
            Problem::PasswordTooShort { min } => (format!("密码至少 {min} 个字符"), format!("at least {min} characters")),
            Problem::Rule(rule) => (rule.zh.into(), rule.en.into()),
            Problem::Stated { zh, en, .. } => (zh.clone(), en.clone()),
        };
        lang.pick(zh, en)
    }
}

/// The serializable form of an error, as the window and `--json` output receive it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    pub code: String,
    pub message: String,
    pub message_en: String,
    pub fields: Vec<FieldReport>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FieldReport {
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// Collects field problems while a form is checked, so that all of them are reported at once.
#[derive(Debug)]
pub struct Checks {
    labels: Labels,
    found: Vec<FieldError>,
}

impl Checks {
    /// Checks of a form whose fields `labels` names.
    pub fn new(labels: Labels) -> Checks {
        Checks { labels, found: Vec::new() }
    }
    pub fn add(&mut self, field: &'static str, problem: Problem) {
        self.found.push(FieldError::new(self.labels, field, problem));
    }
    pub fn required(&mut self, field: &'static str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, Problem::Required);
        }
    }
    pub fn max_len(&mut self, field: &'static str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, Problem::TooLong { max });
        }
    }
    /// A `YYYY-MM-DD` field. Absent or blank: `Required` when `required`, else `None`. A date
    /// after `not_after` (the caller's today, for things that have happened) is `FutureDate`.
    pub fn date(&mut self, field: &'static str, text: Option<&str>, required: bool, not_after: Option<chrono::NaiveDate>) -> Option<chrono::NaiveDate> {
        match text.map(str::trim) {
            None | Some("") => {
                if required {
                    self.add(field, Problem::Required);
                }
                None
            }
            Some(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if not_after.is_some_and(|last| d > last) => {
                    self.add(field, Problem::FutureDate);
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    self.add(field, Problem::BadDate);
                    None
                }
            },
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.found.iter().any(|f| f.field == field)
    }
    pub fn finish(self) -> Result<()> {
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.found))
        }
    }
}
