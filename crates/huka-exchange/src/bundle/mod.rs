//! The signed summary the principal carries to the county on a USB stick.
//!
//! One file `<school code>-<term>-<yyyymmdd>.huka.zip` and its detached minisign signature
//! `<same name>.minisig` beside it. The zip holds `manifest.json` (format version, school,
//! term, time, software, and the SHA-256 of every other file), `summary.json`,
//! `summary.xlsx` and the detail lists. `docs/bundle-format.md` describes every file.
//!
//! * [`write`]: [`preview`] what will be included, [`export`] it, and [`verify_written`] —
//!   read the written files back and check them before telling the user it is done.
//! * [`read`]: the zip reader for files from outside — size limits, safe names, never a write
//!   to disk.
//! * [`verify`]: signature, trusted comment, manifest, hashes, format version; every refusal a
//!   precise [`Rejection`].

pub mod format;
pub mod read;
pub mod seal;
pub mod verify;
pub mod write;

#[cfg(test)]
pub(crate) mod tests;

pub use format::{Manifest, FORMAT_VERSION};
pub use read::Limits;
pub use verify::{verify_bytes, verify_file, TrustedKey, Verified};
pub use write::{export, preview, verify_written, Exported, Preview, PreviewFile};

use crate::error::Lang;

/// The county's key a bundle is sealed to: not registered at the school, a file that is none,
/// or not made yet at the county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// No county recipient registered.
    NoCountyRecipient,
    /// Not a county recipient file.
    BadCountyRecipient,
    /// The county has no encryption key yet.
    NoCountyKey,
}

impl crate::error::DomainError for SealError {
    fn code(&self) -> &'static str {
        match self {
            SealError::NoCountyRecipient => "no_county_recipient",
            SealError::BadCountyRecipient => "bad_county_recipient",
            SealError::NoCountyKey => "no_county_key",
        }
    }
    fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            SealError::NoCountyRecipient => (
                "还没有登记县局的加密公钥：汇总包必须加密给县局，请先登记县局发来的公钥文件（核对指纹）。",
                "No county key is registered: bundles are encrypted to the county bureau, so register the key file it gave (check the fingerprint) first.",
            ),
            SealError::BadCountyRecipient => (
                "该文件不是县局的加密公钥文件（应含一行 age1…）。",
                "The file is not a county key file (it should hold one age1… line).",
            ),
            SealError::NoCountyKey => ("本县还没有加密密钥：请先创建（县局密钥）。", "The county has no encryption key yet: create it first."),
        };
        lang.pick(zh.into(), en.into())
    }
}

/// Why a bundle is not accepted. Each says exactly what is wrong; none repeats personal data.
/// Shown through `Error::Domain(..).report()`: its code (`bundle_…`) and both messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No `.minisig` file beside the bundle.
    SignatureMissing { file: String },
    /// The `.minisig` file is not a minisign signature.
    SignatureMalformed,
    /// The bundle or the signature's trusted comment was changed after signing.
    BadSignature,
    /// Signed with another key than the one given to check it.
    WrongKey { signed_with: String, expected: Vec<String> },
    /// Signed with a key no registered school has.
    UnknownSchool { key_id: String },
    /// Signed with the key of one school, but names another.
    WrongSchool { key_school: String, bundle_school: String },
    /// The trusted comment is not a Huka bundle's, or disagrees with the manifest.
    CommentMismatch,
    /// Not a zip file, or a damaged one.
    Malformed { detail: String },
    /// A name that could point outside a folder (`..`, absolute, backslash, drive letter).
    UnsafePath { name: String },
    /// Over a size limit (the file, an entry, their sum, or the number of entries).
    TooLarge { what: String, limit: u64 },
    MissingFile { file: String },
    ExtraFile { file: String },
    HashMismatch { file: String },
    /// Written by a newer Huka: this reader knows formats up to `supported`.
    UnsupportedFormat { version: u32, supported: u32 },
    /// A file inside does not have the expected content.
    BadContent { file: String, detail: String },
    /// Older than (or the same time as) the bundle already ingested for the school and term.
    Older { school: String, term: String, existing: String },
    /// Sealed to another county's key (or to a key this county no longer has).
    NotForThisCounty,
    /// Sealed, but the county installation has no key to open it yet.
    NoCountyKey,
    /// Signed, but not a sealed bundle that opens.
    Undecryptable { detail: String },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::SignatureMissing { .. } => "bundle_signature_missing",
            Rejection::SignatureMalformed => "bundle_signature_malformed",
            Rejection::BadSignature => "bundle_bad_signature",
            Rejection::WrongKey { .. } => "bundle_wrong_key",
            Rejection::UnknownSchool { .. } => "bundle_unknown_school",
            Rejection::WrongSchool { .. } => "bundle_wrong_school",
            Rejection::CommentMismatch => "bundle_comment_mismatch",
            Rejection::Malformed { .. } => "bundle_malformed",
            Rejection::UnsafePath { .. } => "bundle_unsafe_path",
            Rejection::TooLarge { .. } => "bundle_too_large",
            Rejection::MissingFile { .. } => "bundle_missing_file",
            Rejection::ExtraFile { .. } => "bundle_extra_file",
            Rejection::HashMismatch { .. } => "bundle_hash_mismatch",
            Rejection::UnsupportedFormat { .. } => "bundle_unsupported_format",
            Rejection::BadContent { .. } => "bundle_bad_content",
            Rejection::Older { .. } => "bundle_older",
            Rejection::NotForThisCounty => "bundle_not_for_this_county",
            Rejection::NoCountyKey => "bundle_no_county_key",
            Rejection::Undecryptable { .. } => "bundle_undecryptable",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            Rejection::SignatureMissing { file } => (
                format!("找不到签名文件 {file}：签名文件应与汇总包放在同一文件夹。"),
                format!("The signature file {file} is missing: it must be beside the bundle."),
            ),
            Rejection::SignatureMalformed => (
                "签名文件（.minisig）已损坏或不是 minisign 签名。".into(),
                "The signature file (.minisig) is damaged or not a minisign signature.".into(),
            ),
            Rejection::BadSignature => (
                "签名不符：汇总包或签名在签名之后被改动过。".into(),
                "Bad signature: the bundle or its signature was changed after signing.".into(),
            ),
            Rejection::WrongKey { signed_with, expected } => (
                format!("汇总包是用密钥 {signed_with} 签名的，不是所给公钥 {} 的签名（可能来自另一所学校）。", expected.join("、")),
                format!("The bundle was signed with key {signed_with}, not with the given key {} (it may come from another school).", expected.join(", ")),
            ),
            Rejection::UnknownSchool { key_id } => (
                format!("签名密钥 {key_id} 未登记：请先登记该校的公钥（核对封面页上的指纹和公章）。"),
                format!("The signing key {key_id} is not registered: register the school's public key first (check the fingerprint on its cover sheet)."),
            ),
            Rejection::WrongSchool { key_school, bundle_school } => (
                format!("签名密钥属于学校 {key_school}，但汇总包自称来自学校 {bundle_school}。"),
                format!("The signing key belongs to school {key_school}, but the bundle claims to come from school {bundle_school}."),
            ),
            Rejection::CommentMismatch => (
                "签名中的受信注释与汇总包清单（学校、学期或导出时间）不一致。".into(),
                "The signature's trusted comment disagrees with the bundle's manifest (school, term or export time).".into(),
            ),
            Rejection::Malformed { detail } => (
                format!("汇总包不是有效的 zip 文件或已损坏（{detail}）。"),
                format!("The bundle is not a valid zip file or is damaged ({detail})."),
            ),
            Rejection::UnsafePath { name } => (
                format!("汇总包中含有不安全的文件名“{name}”。"),
                format!("The bundle contains an unsafe file name “{name}”."),
            ),
            Rejection::TooLarge { what, limit } => (
                format!("汇总包超出大小限制：{what} 超过 {limit}。"),
                format!("The bundle exceeds a size limit: {what} over {limit}."),
            ),
            Rejection::MissingFile { file } => (format!("汇总包缺少文件 {file}。"), format!("The bundle lacks the file {file}.")),
            Rejection::ExtraFile { file } => (
                format!("汇总包中有清单未列出的文件 {file}。"),
                format!("The bundle contains a file the manifest does not list: {file}."),
            ),
            Rejection::HashMismatch { file } => (
                format!("文件 {file} 的 SHA-256 与清单不符：内容被改动过。"),
                format!("The SHA-256 of {file} does not match the manifest: its content was changed."),
            ),
            Rejection::UnsupportedFormat { version, supported } => (
                format!("汇总包格式版本 {version} 由更新版本的户卡生成，本程序最高支持版本 {supported}，请升级户卡。"),
                format!("The bundle's format version {version} was written by a newer Huka; this version reads up to {supported}. Please upgrade."),
            ),
            Rejection::BadContent { file, detail } => (
                format!("汇总包中的 {file} 内容有误（{detail}）。"),
                format!("The bundle's {file} is not as expected ({detail})."),
            ),
            Rejection::Older { school, term, existing } => (
                format!("学校 {school} {term} 已导入 {existing} 导出的汇总包；此包不比它新（可能是重放的旧包）。"),
                format!("School {school}'s {term} bundle exported at {existing} is already ingested; this one is not newer (a replayed older bundle?)."),
            ),
            Rejection::NotForThisCounty => (
                "汇总包是加密给另一个县（或本县已不再持有的密钥）的，无法解密。请学校核对登记的县局公钥。".into(),
                "The bundle is encrypted to another county (or to a key this county no longer holds). The school should check the county key it registered.".into(),
            ),
            Rejection::NoCountyKey => (
                "本县还没有加密密钥，无法打开加密的汇总包：请先创建县局密钥。".into(),
                "This county has no encryption key yet, so it cannot open encrypted bundles: create the county key first.".into(),
            ),
            Rejection::Undecryptable { detail } => (
                format!("汇总包签名有效，但无法解密（{detail}）。"),
                format!("The bundle's signature is valid, but it does not decrypt ({detail})."),
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A name taken from an untrusted file, made safe to show: printable and short.
    pub(crate) fn shown(name: &str) -> String {
        let clean: String = name.chars().map(|c| if c.is_control() { '?' } else { c }).take(80).collect();
        if name.chars().count() > 80 { format!("{clean}…") } else { clean }
    }
}

impl crate::error::DomainError for Rejection {
    fn code(&self) -> &'static str {
        Rejection::code(self)
    }
    fn message(&self, lang: Lang) -> String {
        Rejection::message(self, lang)
    }
}

/// `2161092101-2026-autumn-20261129.huka.age` (format 2, sealed to the county); format 1
/// bundles were `.huka.zip`.
pub fn file_name(school_code: &str, term: crate::term::Term, date: chrono::NaiveDate) -> String {
    format!("{school_code}-{term}-{}.huka.age", date.format("%Y%m%d"))
}

/// The signature's path: the bundle's with `.minisig` added.
pub fn signature_path(bundle: &std::path::Path) -> std::path::PathBuf {
    let mut name = bundle.as_os_str().to_owned();
    name.push(".minisig");
    std::path::PathBuf::from(name)
}

/// The county bureau's recipient the school's bundles are sealed to, once registered.
pub fn county_recipient(store: &crate::store::Store) -> crate::error::Result<Option<seal::CountyRecipient>> {
    Ok(crate::settings::value(store, "county_recipient")?.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Registers the county's recipient from the file the bureau gave (compare its fingerprint
/// with the printed sheet). Replaces an earlier one: the next export is sealed to this.
pub fn register_county_recipient(store: &mut crate::store::Store, file_text: &str) -> crate::error::Result<seal::CountyRecipient> {
    let pass = crate::access::ask(store, crate::access::Action::SignAndExport)?;
    crate::installation::require_mode(store, crate::installation::Mode::School)?;
    let recipient = seal::CountyRecipient::parse_file(file_text).ok_or(SealError::BadCountyRecipient)?;
    let json = serde_json::to_string(&recipient).expect("plain data");
    pass.write(store, |w| {
        crate::settings::set_value(w, "county_recipient", &json)?;
        let details = [("recipient".to_string(), [serde_json::Value::Null, serde_json::Value::String(recipient.fingerprint.clone())])].into();
        crate::audit::event(w, "register_county_key", "county", &recipient.fingerprint, details)
    })?;
    Ok(recipient)
}
