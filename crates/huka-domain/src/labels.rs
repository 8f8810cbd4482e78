//! The names the school's records and forms go by in messages: the Chinese name of each kind
//! of record (for "找不到该户卡…") and the label of each form field in both languages. The
//! ground's errors name none of them; they are given here, where an error is made:
//! [`not_found`], [`invalid`] and [`checks`] (whose field errors carry their labels).

use crate::error::{Checks, Error, Label, Problem};

/// No live record of `kind` (the English word: "household", "dropout case" …).
pub fn not_found(kind: &'static str) -> Error {
    Error::NotFound { kind, kind_zh: kind_zh(kind) }
}

/// One field at fault, labelled.
pub fn invalid(field: &'static str, problem: Problem) -> Error {
    Error::invalid(self::field, field, problem)
}

/// Checks of a form of the school's, whose field errors carry their labels.
pub fn checks() -> Checks {
    Checks::new(self::field)
}

const fn label(zh: &'static str, en: &'static str) -> Label {
    Label { zh, en }
}

/// The Chinese name of a kind of record.
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
pub fn field(field: &str) -> Label {
    match field {
        "code" => label("学校代码", "school code"),
        "name" => label("姓名/名称", "name"),
        "login" => label("登录名", "login name"),
        "password" => label("密码", "password"),
        "role" => label("角色", "role"),
        "account" => label("账号", "account"),
        "town" => label("镇", "town"),
        "district" => label("督学责任区", "supervision district"),
        "householdNumber" => label("户编号", "household number"),
        "headName" => label("户主姓名", "head of household"),
        "familySize" => label("家庭人口", "family size"),
        "village" => label("村", "village"),
        "group" => label("组", "group"),
        "phone" => label("电话", "phone"),
        "notes" => label("备注", "notes"),
        "archivist" => label("档案管理员", "archivist"),
        "aidOfficer" => label("学校资助专干", "school aid officer"),
        "aidPhone" => label("资助专干电话", "aid officer's phone"),
        "countyHotline" => label("县资助中心热线", "county aid centre hotline"),
        "familyTodo" => label("家庭需办理事项", "what the family brings or does"),
        "applyWithinDays" => label("办理期限（开学后天数）", "deadline (days after term start)"),
        "class" => label("班级", "class"),
        "relation" => label("与户主关系", "relation to head"),
        "residentId" => label("身份证号", "resident ID number"),
        "birthDate" => label("出生日期", "birth date"),
        "health" => label("健康状况", "health"),
        "grade" => label("年级", "grade"),
        "className" => label("班级", "class"),
        "nationalStudentNumber" => label("全国学籍号", "national student number"),
        "subject" => label("任教学科", "subject"),
        "teacherIds" => label("帮扶教师", "teachers"),
        "visitDate" => label("家访日期", "visit date"),
        "studentIds" => label("涉及学生", "students"),
        "followUps" => label("后续事项", "follow-ups"),
        "dueDate" => label("完成期限", "due date"),
        "action" => label("事项", "action"),
        "term" => label("学期", "term"),
        "memberId" => label("学生", "student"),
        "photo" => label("签字照片", "photo"),
        "reviewDate" => label("回顾日期", "review date"),
        "nextReviewDate" => label("下次回顾日期", "next review date"),
        "parentAckDate" => label("家长签字日期", "parent's date"),
        "startDate" => label("开始日期", "start date"),
        "programmeId" => label("资助项目", "aid programme"),
        "amount" => label("金额", "amount"),
        "stages" => label("适用学段", "stages"),
        "appliedDate" => label("申请日期", "application date"),
        "date" => label("日期", "date"),
        "parentName" => label("家长签字", "parent's signature"),
        "classTeacherName" => label("班主任签字", "class teacher's signature"),
        "principalName" => label("校长签字", "principal's signature"),
        "aidCentreName" => label("资助中心签字", "aid centre's signature"),
        "deputyDirectorName" => label("分管副局长签字", "deputy director's signature"),
        "noticeEnd" => label("公示结束日期", "end of notice"),
        "objections" => label("异议及处理", "objections"),
        "reason" => label("原因", "reason"),
        "note" => label("说明", "note"),
        // dropout
        "kind" => label("类别", "kind"),
        "reportedDate" => label("上报日期", "reported date"),
        "droppedOutDate" => label("辍学日期", "date of dropping out"),
        "reasonNote" => label("原因说明", "reason details"),
        "riskLevel" => label("风险等级", "risk level"),
        "countyHead" => label("县长", "county head"),
        "bureauChief" => label("教育局长", "bureau chief"),
        "townHead" => label("乡镇长", "town head"),
        "villageHead" => label("村长（村支书）", "village head"),
        "principal" => label("校长", "principal"),
        "parent" => label("家长", "parent"),
        "teacher" => label("教师", "teacher"),
        "outcome" => label("结果", "outcome"),
        "outcomeDate" => label("结果日期", "outcome date"),
        "actionDate" => label("劝返日期", "date"),
        "who" => label("劝返人", "who"),
        "what" => label("劝返情况", "what was done"),
        "actionOutcome" => label("效果", "result"),
        "week" => label("周", "week"),
        "confirmedBy" => label("确认人", "confirmed by"),
        "passphrase" => label("口令", "passphrase"),
        _ => label("字段", "field"),
    }
}
