//! A roster of `rows` students as a CSV file of the national registration system's columns
//! (the benchmarks' import): valid ID numbers, one birth day per 900 students.

use chrono::NaiveDate;
use huka_core::ResidentId;

pub fn roster(rows: usize) -> Vec<u8> {
    let mut csv = String::from("序号,姓名,性别,身份证件号,全国学籍号,年级,班级,就读方式,联系电话\n");
    let grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"];
    for i in 0..rows {
        let birth = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap() + chrono::Days::new((i / 900) as u64);
        let mut id = ResidentId::compose("610921", birth, (i % 900) as u16).as_str().to_string();
        if id.ends_with("000") {
            id = ResidentId::compose("610922", birth, (i % 900) as u16).as_str().to_string();
        }
        let line = format!(
            "{},学生{i},{},{id},G{id},{},{}班,{},139{:08}\n",
            i + 1,
            if i % 2 == 1 { "男" } else { "女" },
            grades[i % grades.len()],
            i % 4 + 1,
            if i % 3 == 0 { "住校" } else { "走读" },
            i
        );
        csv.push_str(&line);
    }
    csv.into_bytes()
}
