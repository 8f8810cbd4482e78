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
    #[error("{kind} not found")]
    NotFound { kind: &'static str },
    #[error("the database was written by a newer Huka (schema {found}, this version knows up to {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("the file is not a Huka database")]
    NotADatabase,
    #[error("there is no database at this path")]
    NoDatabase,
    #[error("a database already exists at this path")]
    DatabaseExists,
    #[error("not a Huka change file")]
    NotASyncFile,
    #[error("the change file is damaged or was altered")]
    SyncDamaged,
    #[error("the change file belongs to another school ({school})")]
    SyncOtherSchool { school: String },
    #[error("joining needs a complete change file")]
    SyncNotFull,
    #[error("the change file assumes records this computer does not hold yet")]
    SyncBehind,
    #[error("the change file was written by a newer version of Huka")]
    SyncNewerVersion,
    #[error("only the principal or the aid officer can join a computer to the school")]
    SyncJoinNotAllowed,
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
    #[error("the school has not been set up yet")]
    SchoolNotSetUp,
    #[error("the school has already been set up")]
    SchoolAlreadySetUp,
    #[error("the database already has household cards")]
    NotEmpty,
    /// A domain module's own refusal (see [`DomainError`]).
    #[error("{}", .0.message(Lang::En))]
    Domain(Box<dyn DomainError>),
    #[error("no school-reviewed grants to put on notice")]
    NothingToNotice,
    #[error("the school has no signing key yet")]
    NoSigningKey,
    #[error("the school already has a signing key")]
    SigningKeyExists,
    #[error("wrong passphrase for the signing key")]
    WrongPassphrase,
    #[error("not a minisign public key file")]
    BadPublicKey,
    #[error("no county recipient registered")]
    NoCountyRecipient,
    #[error("not a county recipient file")]
    BadCountyRecipient,
    #[error("the county has no encryption key yet")]
    NoCountyKey,
    #[error("not a Huka backup")]
    NotABackup,
    #[error("the backup is of school {backup}, this database of school {here}")]
    BackupOfAnotherSchool { backup: String, here: String },
    #[error("key {key_id} is registered to school {school}")]
    KeyOfAnotherSchool { key_id: String, school: String },
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

    pub fn invalid(field: &'static str, problem: Problem) -> Error {
        Error::Invalid(vec![FieldError { field, problem }])
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
            Error::NotASyncFile => "not_a_sync_file",
            Error::SyncDamaged => "sync_damaged",
            Error::SyncOtherSchool { .. } => "sync_other_school",
            Error::SyncNotFull => "sync_not_full",
            Error::SyncBehind => "sync_behind",
            Error::SyncNewerVersion => "sync_newer_version",
            Error::SyncJoinNotAllowed => "sync_join_not_allowed",
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
            Error::SchoolNotSetUp => "school_not_set_up",
            Error::SchoolAlreadySetUp => "school_already_set_up",
            Error::NotEmpty => "not_empty",
            Error::Domain(d) => d.code(),
            Error::NothingToNotice => "nothing_to_notice",
            Error::NoSigningKey => "no_signing_key",
            Error::SigningKeyExists => "signing_key_exists",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::BadPublicKey => "bad_public_key",
            Error::NoCountyRecipient => "no_county_recipient",
            Error::BadCountyRecipient => "bad_county_recipient",
            Error::NoCountyKey => "no_county_key",
            Error::NotABackup => "not_a_backup",
            Error::BackupOfAnotherSchool { .. } => "backup_of_another_school",
            Error::KeyOfAnotherSchool { .. } => "key_of_another_school",
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
            Error::NotFound { kind } => (
                format!("找不到该{}，可能已被删除。", kind_zh(kind)),
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
            Error::NotASyncFile => (
                "这不是户卡的同步文件（.hukasync）。".into(),
                "This is not a Huka change file (.hukasync).".into(),
            ),
            Error::SyncDamaged => (
                "同步文件已损坏或被改动过，没有读取任何内容。请在原来的电脑上重新写入U盘。".into(),
                "The change file is damaged or was altered; nothing was read. Write it to the stick again on the computer it came from.".into(),
            ),
            Error::SyncOtherSchool { school } => (
                format!("这是另一所学校（代码 {school}）的同步文件，本机不能读取。"),
                format!("This change file belongs to another school (code {school}); this computer cannot read it."),
            ),
            Error::SyncNotFull => (
                "加入本校需要一份“完整”的同步文件：请在校长办公室的电脑上选择“写入完整文件”。".into(),
                "Joining the school needs a complete change file: on the office PC, choose \"write a complete file\".".into(),
            ),
            Error::SyncBehind => (
                "这份同步文件只含对方认为本机还没有的改动，但本机缺少更早的记录。请在那台电脑上选择“写入完整文件”，再读取一次（不会重复）。".into(),
                "This change file holds only what the other computer thinks this one lacks, but this one misses earlier records. On that computer choose \"write a complete file\" and read it here (nothing is doubled).".into(),
            ),
            Error::SyncNewerVersion => (
                "这份同步文件来自更新版本的户卡：请先把本机的户卡升级到同一版本。".into(),
                "This change file comes from a newer version of Huka: update Huka on this computer first.".into(),
            ),
            Error::SyncJoinNotAllowed => (
                "只有校长或资助专干可以让新电脑加入本校（加入后教师用自己的密码登录）。".into(),
                "Only the principal or the aid officer can join a new computer to the school (teachers then log in with their own passwords).".into(),
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
            Error::SchoolNotSetUp => (
                "尚未设置学校，请先完成学校设置。".into(),
                "The school has not been set up yet.".into(),
            ),
            Error::SchoolAlreadySetUp => (
                "学校已设置，不能重复设置。".into(),
                "The school has already been set up.".into(),
            ),
            Error::NotEmpty => (
                "数据库中已有户卡；演示数据只能载入空数据库。".into(),
                "The database already has household cards; demo data can only be loaded into an empty one.".into(),
            ),
            Error::Domain(d) => (d.message(Lang::Zh), d.message(Lang::En)),
            Error::NothingToNotice => (
                "没有“学校已审核”的资助可以公示。".into(),
                "There are no school-reviewed grants to put on notice.".into(),
            ),
            Error::NoSigningKey => (
                "本校还没有签名密钥，请先创建（校长设定口令）。".into(),
                "The school has no signing key yet; create one first (the principal chooses its passphrase).".into(),
            ),
            Error::SigningKeyExists => (
                "本校已有签名密钥；如需更换，请使用“更换密钥”。".into(),
                "The school already has a signing key; rotate it to replace it.".into(),
            ),
            Error::WrongPassphrase => (
                "签名密钥的口令不对。".into(),
                "Wrong passphrase for the signing key.".into(),
            ),
            Error::BadPublicKey => (
                "该文件不是有效的公钥文件（.pub，minisign 格式）。".into(),
                "The file is not a valid public key (.pub, minisign format).".into(),
            ),
            Error::NoCountyRecipient => (
                "还没有登记县局的加密公钥：汇总包必须加密给县局，请先登记县局发来的公钥文件（核对指纹）。".into(),
                "No county key is registered: bundles are encrypted to the county bureau, so register the key file it gave (check the fingerprint) first.".into(),
            ),
            Error::NotABackup => ("该文件不是户卡备份（.hukabackup）。".into(), "The file is not a Huka backup (.hukabackup).".into()),
            Error::BackupOfAnotherSchool { backup, here } => (
                format!("这是学校 {backup} 的备份，而本数据库属于学校 {here}：未恢复。如确需替换，请校长使用“强制恢复”（--force）。"),
                format!("The backup is of school {backup}, this database is school {here}'s: nothing was restored. If this is really wanted, the principal restores with --force."),
            ),
            Error::NoCountyKey => (
                "本县还没有加密密钥：请先创建（县局密钥）。".into(),
                "The county has no encryption key yet: create it first.".into(),
            ),
            Error::BadCountyRecipient => (
                "该文件不是县局的加密公钥文件（应含一行 age1…）。".into(),
                "The file is not a county key file (it should hold one age1… line).".into(),
            ),
            Error::KeyOfAnotherSchool { key_id, school } => (
                format!("公钥 {key_id} 已登记为学校 {school} 的公钥，不能再登记给另一所学校。"),
                format!("Public key {key_id} is already registered to school {school}; it cannot be registered to another school."),
            ),
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

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "household" => "户卡",
        "member" => "家庭成员",
        "student" => "学生",
        "teacher" => "教师",
        "account" => "账号",
        "visit" => "家访记录",
        "plan" => "帮扶计划",
        "pairing" => "结对",
        "follow-up" => "后续事项",
        "school" => "学校",
        "programme" => "资助项目",
        "grant" => "资助记录",
        // dropout
        "dropout case" => "控辍保学个案",
        "dropout action" => "劝返记录",
        "signing key" => "签名密钥",
        "bundle" => "汇总包",
        "file" => "文件",
        _ => "记录",
    }
}

/// The label of an input field in both languages.
fn field_label(field: &str) -> (&'static str, &'static str) {
    match field {
        "code" => ("学校代码", "school code"),
        "name" => ("姓名/名称", "name"),
        "login" => ("登录名", "login name"),
        "password" => ("密码", "password"),
        "role" => ("角色", "role"),
        "account" => ("账号", "account"),
        "town" => ("镇", "town"),
        "district" => ("督学责任区", "supervision district"),
        "householdNumber" => ("户编号", "household number"),
        "headName" => ("户主姓名", "head of household"),
        "village" => ("村", "village"),
        "group" => ("组", "group"),
        "phone" => ("电话", "phone"),
        "notes" => ("备注", "notes"),
        "archivist" => ("档案管理员", "archivist"),
        "relation" => ("与户主关系", "relation to head"),
        "residentId" => ("身份证号", "resident ID number"),
        "birthDate" => ("出生日期", "birth date"),
        "health" => ("健康状况", "health"),
        "grade" => ("年级", "grade"),
        "className" => ("班级", "class"),
        "nationalStudentNumber" => ("全国学籍号", "national student number"),
        "subject" => ("任教学科", "subject"),
        "teacherIds" => ("帮扶教师", "teachers"),
        "visitDate" => ("家访日期", "visit date"),
        "studentIds" => ("涉及学生", "students"),
        "followUps" => ("后续事项", "follow-ups"),
        "dueDate" => ("完成期限", "due date"),
        "action" => ("事项", "action"),
        "term" => ("学期", "term"),
        "memberId" => ("学生", "student"),
        "photo" => ("签字照片", "photo"),
        "reviewDate" => ("回顾日期", "review date"),
        "nextReviewDate" => ("下次回顾日期", "next review date"),
        "parentAckDate" => ("家长签字日期", "parent's date"),
        "startDate" => ("开始日期", "start date"),
        "programmeId" => ("资助项目", "aid programme"),
        "amount" => ("金额", "amount"),
        "stages" => ("适用学段", "stages"),
        "appliedDate" => ("申请日期", "application date"),
        "date" => ("日期", "date"),
        "parentName" => ("家长签字", "parent's signature"),
        "classTeacherName" => ("班主任签字", "class teacher's signature"),
        "principalName" => ("校长签字", "principal's signature"),
        "aidCentreName" => ("资助中心签字", "aid centre's signature"),
        "deputyDirectorName" => ("分管副局长签字", "deputy director's signature"),
        "noticeEnd" => ("公示结束日期", "end of notice"),
        "objections" => ("异议及处理", "objections"),
        "reason" => ("原因", "reason"),
        "note" => ("说明", "note"),
        // dropout
        "kind" => ("类别", "kind"),
        "reportedDate" => ("上报日期", "reported date"),
        "droppedOutDate" => ("辍学日期", "date of dropping out"),
        "reasonNote" => ("原因说明", "reason details"),
        "riskLevel" => ("风险等级", "risk level"),
        "countyHead" => ("县长", "county head"),
        "bureauChief" => ("教育局长", "bureau chief"),
        "townHead" => ("乡镇长", "town head"),
        "villageHead" => ("村长（村支书）", "village head"),
        "principal" => ("校长", "principal"),
        "parent" => ("家长", "parent"),
        "teacher" => ("教师", "teacher"),
        "outcome" => ("结果", "outcome"),
        "outcomeDate" => ("结果日期", "outcome date"),
        "actionDate" => ("劝返日期", "date"),
        "who" => ("劝返人", "who"),
        "what" => ("劝返情况", "what was done"),
        "actionOutcome" => ("效果", "result"),
        "week" => ("周", "week"),
        "confirmedBy" => ("确认人", "confirmed by"),
        "passphrase" => ("口令", "passphrase"),
        _ => ("字段", "field"),
    }
}

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The camelCase name of the input field, as the window's forms name it.
    pub field: &'static str,
    pub problem: Problem,
}

impl FieldError {
    /// "身份证号：校验位不对…" — the field's label and its problem.
    pub fn message(&self, lang: Lang) -> String {
        let (zh, en) = field_label(self.field);
        match lang {
            Lang::Zh => format!("{zh}：{}", self.problem.message(lang)),
            Lang::En => format!("{en}: {}", self.problem.message(lang)),
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
    DuplicateHouseholdNumber,
    DuplicateResidentId,
    DuplicateSchoolCode,
    BadSchoolCode,
    BadPhone,
    BadDate,
    FutureDate,
    GradeOutOfRange,
    UnknownTeacher,
    NeedTeacher,
    NotInHousehold,
    NotAStudent,
    BadTerm,
    DuplicatePlan,
    NotAPhoto,
    PhotoTooLarge { max_mb: usize },
    BadAmount,
    BadProgrammeCode,
    DuplicateProgrammeCode,
    DuplicateGrant,
    BeforePreviousStep,
    NoticeEndsBeforeStart,
    NoticeNotOver { end: chrono::NaiveDate },
    // dropout
    OpenCaseExists,
    BeforeReported,
    ReportedAfterActions,
    FutureWeek,
    PassphraseTooShort { min: usize },
    PassphraseMismatch,
    // accounts
    PasswordTooShort { min: usize },
    DuplicateLogin,
    RoleNotInThisMode,
    OwnAccount,
    LastPrincipal,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::TooLong { .. } => "too_long",
            Problem::ResidentId(p) => p.code(),
            Problem::DuplicateHouseholdNumber => "duplicate_household_number",
            Problem::DuplicateResidentId => "duplicate_resident_id",
            Problem::DuplicateSchoolCode => "duplicate_school_code",
            Problem::BadSchoolCode => "bad_school_code",
            Problem::BadPhone => "bad_phone",
            Problem::BadDate => "bad_date",
            Problem::FutureDate => "future_date",
            Problem::GradeOutOfRange => "grade_out_of_range",
            Problem::UnknownTeacher => "unknown_teacher",
            Problem::NeedTeacher => "need_teacher",
            Problem::NotInHousehold => "not_in_household",
            Problem::NotAStudent => "not_a_student",
            Problem::BadTerm => "bad_term",
            Problem::DuplicatePlan => "duplicate_plan",
            Problem::NotAPhoto => "not_a_photo",
            Problem::PhotoTooLarge { .. } => "photo_too_large",
            Problem::BadAmount => "bad_amount",
            Problem::BadProgrammeCode => "bad_programme_code",
            Problem::DuplicateProgrammeCode => "duplicate_programme_code",
            Problem::DuplicateGrant => "duplicate_grant",
            Problem::BeforePreviousStep => "before_previous_step",
            Problem::NoticeEndsBeforeStart => "notice_ends_before_start",
            Problem::NoticeNotOver { .. } => "notice_not_over",
            // dropout
            Problem::OpenCaseExists => "open_case_exists",
            Problem::BeforeReported => "before_reported",
            Problem::ReportedAfterActions => "reported_after_actions",
            Problem::FutureWeek => "future_week",
            Problem::PassphraseTooShort { .. } => "passphrase_too_short",
            Problem::PassphraseMismatch => "passphrase_mismatch",
            Problem::PasswordTooShort { .. } => "password_too_short",
            Problem::DuplicateLogin => "duplicate_login",
            Problem::RoleNotInThisMode => "role_not_in_this_mode",
            Problem::OwnAccount => "own_account",
            Problem::LastPrincipal => "last_principal",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let (zh, en): (String, String) = match self {
            Problem::Required => ("必填".into(), "required".into()),
            Problem::TooLong { max } => (format!("不能超过 {max} 个字"), format!("at most {max} characters")),
            Problem::ResidentId(p) => return p.message(lang),
            Problem::DuplicateHouseholdNumber => (
                "该户编号已被另一户使用".into(),
                "this household number is already used by another household".into(),
            ),
            Problem::DuplicateResidentId => (
                "该身份证号已登记在另一名成员名下".into(),
                "this resident ID number is already recorded for another member".into(),
            ),
            Problem::DuplicateSchoolCode => ("学校代码重复".into(), "duplicate school code".into()),
            Problem::BadSchoolCode => (
                "学校代码只能由字母和数字组成（如 10 位学校标识码）".into(),
                "the school code may contain only letters and digits".into(),
            ),
            Problem::BadPhone => (
                "电话号码格式不对（应为 11 位手机号或带区号的座机号）".into(),
                "not a phone number (11-digit mobile or landline with area code)".into(),
            ),
            Problem::BadDate => ("日期格式应为 2013-03-05".into(), "a date looks like 2013-03-05".into()),
            Problem::FutureDate => ("日期不能晚于今天".into(), "the date is in the future".into()),
            Problem::GradeOutOfRange => ("年级应在 1 到 12 之间".into(), "the grade must be between 1 and 12".into()),
            Problem::UnknownTeacher => ("找不到所选教师".into(), "unknown teacher".into()),
            Problem::NeedTeacher => ("至少选择一位教师".into(), "choose at least one teacher".into()),
            Problem::NotInHousehold => ("所选学生不属于这一户".into(), "the student is not in this household".into()),
            Problem::NotAStudent => ("该成员不是在校学生".into(), "this member is not a student".into()),
            Problem::BadTerm => ("学期应写作 2026-autumn 或 2027-spring".into(), "a term looks like 2026-autumn or 2027-spring".into()),
            Problem::DuplicatePlan => ("该生本学期已有帮扶计划".into(), "the student already has a plan for this term".into()),
            Problem::NotAPhoto => ("只能选择 JPG 或 PNG 图片".into(), "choose a JPG or PNG picture".into()),
            Problem::PhotoTooLarge { max_mb } => (format!("图片不能超过 {max_mb} MB"), format!("the picture must be under {max_mb} MB")),
            Problem::BadAmount => ("金额应写作元，如 625 或 62.50".into(), "an amount in yuan, like 625 or 62.50".into()),
            Problem::BadProgrammeCode => ("项目代码只能由字母、数字和下划线组成".into(), "a programme code has only letters, digits and _".into()),
            Problem::DuplicateProgrammeCode => ("已有项目使用该代码".into(), "another programme has this code".into()),
            Problem::DuplicateGrant => ("该生本学期已有此项资助".into(), "the student already has this aid for the term".into()),
            Problem::BeforePreviousStep => ("日期不能早于上一步".into(), "the date is before the previous step".into()),
            Problem::NoticeEndsBeforeStart => ("公示结束日期不能早于开始日期".into(), "the notice cannot end before it starts".into()),
            Problem::NoticeNotOver { end } => (format!("公示期到 {end} 才结束，之后才能县级审核"), format!("the notice runs until {end}; the county reviews after that")),
            // dropout
            Problem::OpenCaseExists => (
                "该生已有未结案的控辍保学个案".into(),
                "the student already has an open dropout case".into(),
            ),
            Problem::BeforeReported => (
                "不能早于上报日期（或辍学日期）".into(),
                "cannot be before the case was reported (or the student left)".into(),
            ),
            Problem::ReportedAfterActions => (
                "不能晚于已有的劝返记录或结果日期".into(),
                "cannot be after the case's actions or outcome".into(),
            ),
            Problem::FutureWeek => ("这一周还没开始，不能确认".into(), "this week has not begun; it cannot be confirmed yet".into()),
            Problem::PassphraseTooShort { min } => (format!("口令至少 {min} 个字符"), format!("at least {min} characters")),
            Problem::PassphraseMismatch => ("两次输入的口令不一致".into(), "the two entries differ".into()),
            Problem::PasswordTooShort { min } => (format!("密码至少 {min} 个字符"), format!("at least {min} characters")),
            Problem::DuplicateLogin => ("已有账号使用这个登录名".into(), "another account has this login name".into()),
            Problem::RoleNotInThisMode => ("这种角色不属于本类安装（学校或县级）".into(), "this role does not belong to this kind of installation".into()),
            Problem::OwnAccount => ("不能停用自己的账号".into(), "you cannot disable your own account".into()),
            Problem::LastPrincipal => ("这是最后一个可用的管理账号，不能停用".into(), "this is the last account that can manage accounts".into()),
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
#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn add(&mut self, field: &'static str, problem: Problem) {
        self.0.push(FieldError { field, problem });
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
        self.0.iter().any(|f| f.field == field)
    }
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
