//! The rejected rows of a file, written back out to fix and re-import: the original header
//! and cells, then the row number and the reasons. `.xlsx` or `.csv` (UTF-8 with BOM, which
//! Chinese Excel opens correctly).

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use super::read::Table;
use super::{Mapping, RowError};
use crate::error::{Error, Result};

/// Writes the rejected rows of `table` with their errors to `out` (format by extension).
pub fn write(table: &Table, mapping: &Mapping, errors: &[RowError], out: &Path) -> Result<usize> {
    let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in errors {
        reasons.entry(e.row).or_default().push(format!("{}：{}", e.column, e.message));
    }
    let header: Vec<String> = mapping.columns.iter().map(|c| c.header.clone()).chain(["原行号".into(), "错误原因".into()]).collect();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .filter_map(|row| {
            let why = reasons.get(&row.number)?;
            let mut cells: Vec<String> = (0..mapping.columns.len()).map(|i| row.get(i).text()).collect();
            cells.push(row.number.to_string());
            cells.push(why.join("；"));
            Some(cells)
        })
        .collect();
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
    book.save(out).map_err(xerr)?;
    Ok(())
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
    std::fs::write(out, bytes)?;
    Ok(())
}
