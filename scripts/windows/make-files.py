"""Writes the spreadsheets scripts/test-windows.sh imports under Wine, as Windows offices make
them: a 学籍 roster (.xlsx, one sheet under a merged title, ID numbers as text) and the
registered-poor list saved by Excel as CSV (GBK). Python's standard library only: the .xlsx is
written as its XML parts in a zip (inline strings, one merged title row).

Usage: python3 make-files.py ROSTER.xlsx POVERTY.csv STUDENTS
Prints one JSON line: the counts the imports must report."""

import datetime
import json
import sys
import zipfile
from xml.sax.saxutils import escape

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def resident_id(area, birth, seq):
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def col(n):
    return chr(ord("A") + n)


def xlsx(path, title, header, rows):
    def cell(r, c, v):
        ref = f"{col(c)}{r}"
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

    lines = [[title], header] + rows
    data = "".join(
        f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(line)) + "</row>"
        for r, line in enumerate(lines, start=1)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{data}</sheetData>"
        f'<mergeCells count="1"><mergeCell ref="A1:{col(len(header) - 1)}1"/></mergeCells></worksheet>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="学生名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def main():
    roster_path, poverty_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
    students = []
    for n in range(count):
        grade = n % 6
        birth = datetime.date(2019 - grade, 1, 1) + datetime.timedelta(days=n * 7 % 300)
        rid = resident_id("610921", birth, n * 2 + 1)
        students.append((f"学生{n}", rid, grades[grade], "男" if int(rid[16]) % 2 else "女", f"138{n:08d}"))
    header = ["序号", "姓名", "性别", "身份证号", "全国学籍号", "年级", "班级", "联系电话"]
    rows = [[i + 1, name, sex, rid, "G" + rid, grade, "1班", phone] for i, (name, rid, grade, sex, phone) in enumerate(students)]
    xlsx(roster_path, "涧池镇中心小学学生名册", header, rows)
    # The poverty list: a household for every other student (head + that child).
    lines = ["户编号,户主姓名,与户主关系,姓名,证件号码,镇,村"]
    households = 0
    for i, (name, rid, *_rest) in enumerate(students):
        if i % 2:
            continue
        households += 1
        head = resident_id("610921", datetime.date(1980, 1, 1) + datetime.timedelta(days=i), 101 + i)
        number = f"610921{i:04d}"
        lines.append(f"{number},户主{i},户主,户主{i},{head},涧池镇,仁河村")
        lines.append(f"{number},户主{i},之子,{name},{rid},涧池镇,仁河村")
    with open(poverty_path, "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("gbk"))
    print(json.dumps({"students": count, "households": households, "members": households * 2,
                      "notOnPovertyList": count - households}))


main()
