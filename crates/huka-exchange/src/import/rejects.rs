//! The rejected rows of a file, written back out to fix and re-import: the original header
//! and cells, then the row number and the reasons. `.xlsx` or `.csv` (UTF-8 with BOM, which
//! Chinese Excel opens correctly).

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use super::sheets::Source;
use super::RowError;
use crate::error::{Error, Result};

/// Writes the rejected rows of every sheet with their errors to `out` (format by extension):
/// one table whose columns are the sheets' headers (each header once), then the sheet, the
/// row number and the reasons — a file that imports again once fixed.
pub(crate) fn write(sources: &[Source<'_>], errors: &[RowError], out: &Path) -> Result<usize> {
    let mut reasons: BTreeMap<(&str, usize), Vec<String>> = BTreeMap::new();
    for e in errors {
        reasons.entry((e.sheet.as_str(), e.row)).or_default().push(format!("{}：{}", e.column, e.message));
    }
    // Each sheet's columns by header text; the n-th column of a header text is the n-th of
    // that text in every sheet.
    let mut headers: Vec<(String, usize)> = Vec::new();
    let keyed: Vec<Vec<(String, usize)>> = sources
        .iter()
        .map(|s| {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            s.mapping.columns.iter().map(|c| {
                let n = seen.entry(c.header.as_str()).or_default();
                *n += 1;
                (c.header.clone(), *n)
            }).collect()
        })
        .collect();
    for key in keyed.iter().flatten() {
        if !headers.contains(key) {
            headers.push(key.clone());
        }
    }
    let with_sheet = sources.iter().any(|s| !s.name.is_empty());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (source, keys) in sources.iter().zip(&keyed) {
        let at: Vec<usize> = keys.iter().map(|k| headers.iter().position(|h| h == k).expect("collected")).collect();
        for row in &source.table.rows {
            let Some(why) = reasons.get(&(source.name, row.number)) else { continue };
            let mut cells = vec![String::new(); headers.len()];
            for (column, to) in source.mapping.columns.iter().zip(&at) {
                cells[*to] = row.get(column.index).text();
            }
            if with_sheet {
                cells.push(source.name.to_string());
            }
            cells.push(row.number.to_string());
            cells.push(why.join("；"));
            rows.push(cells);
        }
    }
    let mut header: Vec<String> = headers.into_iter().map(|(h, _)| h).collect();
    if with_sheet {
        header.push("工作表".into());
    }
    header.extend(["原行号".into(), "错误原因".into()]);
    let is_xlsx = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        write_xlsx(&header, &rows, out)?;
    } else {
        write_csv(&header, &rows, out)?;
    }
    Ok(rows.len())
}

fn write_xlsx(header: &[String], rows: &[Vec<String>], out: &Path) -> Result<()> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let xerr = |e: rust_xlsxwriter::XlsxError| Error::Io(std::io::Error::other(e.to_string()));
    sheet.set_name("被拒绝的行").map_err(xerr)?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Text cells, so that ID numbers keep every digit.
            sheet.write_string(r as u32 + 1, c as u16, v).map_err(xerr)?;
        }
    }
    sheet.set_column_width(header.len() as u16 - 1, 60).map_err(xerr)?;
    crate::file::write(out, &book.save_to_buffer().map_err(xerr)?)
}

fn write_csv(header: &[String], rows: &[Vec<String>], out: &Path) -> Result<()> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut bytes);
        let cerr = |e: csv::Error| Error::Io(std::io::Error::other(e.to_string()));
        w.write_record(header).map_err(cerr)?;
        for row in rows {
            w.write_record(row).map_err(cerr)?;
        }
        w.flush()?;
    }
    crate::file::write(out, &bytes)
}
