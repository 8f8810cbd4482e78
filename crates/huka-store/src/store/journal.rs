//! The change journal: what every write changed, handed to the journal's readers inside the
//! write's transaction. The store captures the changes (temporary triggers, see `store`) and
//! knows nothing of who reads them; the domain hands its readers over when it opens a store —
//! the audit trail (an entry per changed record, hash-chained) and sync (a clock per field).

use std::sync::Arc;

use serde_json::Value;

use crate::error::Result;
use super::Writer;

/// One record changed by a transaction: its first old image (none when inserted in it) and
/// its last new one.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The table.
    pub kind: String,
    pub record_id: String,
    pub old: Option<Image>,
    pub new: Image,
}

/// A record's row as `column → value`, in the order of the columns' names. The names are
/// shared: every row a bulk write reads back from one table holds the same list (no name is
/// copied per row, and readers may know a list they saw by [`Image::names`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Image {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Image {
    /// An image of `values`, one for each of `names` (sorted, as [`Image::sorted_names`] gives
    /// them).
    pub fn new(names: Arc<[String]>, values: Vec<Value>) -> Image {
        debug_assert!(names.len() == values.len() && names.is_sorted());
        Image { names, values }
    }

    /// `columns` sorted by name, and for each name the index of its column: the order an
    /// [`Image`] of a row with these columns holds its values in.
    pub fn sorted_names(columns: &[String]) -> (Arc<[String]>, Vec<usize>) {
        let mut order: Vec<usize> = (0..columns.len()).collect();
        order.sort_by(|a, b| columns[*a].cmp(&columns[*b]));
        (order.iter().map(|i| columns[*i].clone()).collect(), order)
    }

    pub fn get(&self, column: &str) -> Option<&Value> {
        self.names.binary_search_by(|n| n.as_str().cmp(column)).ok().map(|i| &self.values[i])
    }

    /// The columns and their values, in the order of the names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.names.iter().map(String::as_str).zip(&self.values)
    }

    /// The columns' names, sorted: the same list (`Arc::ptr_eq`) for every row read back
    /// from one table in one write.
    pub fn names(&self) -> &Arc<[String]> {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl From<serde_json::Map<String, Value>> for Image {
    fn from(map: serde_json::Map<String, Value>) -> Image {
        // A `Map` is ordered by its keys already.
        let (names, values): (Vec<String>, Vec<Value>) = map.into_iter().unzip();
        Image::new(names.into(), values)
    }
}

impl std::ops::Index<&str> for Image {
    type Output = Value;
    fn index(&self, column: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(column).unwrap_or(&NULL)
    }
}

/// Something that reads each write's changes before it commits; an error undoes the write.
pub trait Reader: Sync {
    fn read(&self, w: &Writer<'_>, changes: &[Change]) -> Result<()>;
}

/// The readers of a store's journal, in order.
pub type Journal = &'static [&'static dyn Reader];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_read_back_by_columns_is_the_image_of_the_same_map() {
        // A table's columns in their own order; the image holds them by name.
        let columns: Vec<String> = ["id", "name", "birth_year", "created_at"].map(String::from).into();
        let (names, order) = Image::sorted_names(&columns);
        let row = [Value::from("r1"), Value::from("王"), Value::from(2012), Value::Null];
        let image = Image::new(names.clone(), order.iter().map(|i| row[*i].clone()).collect());
        let map: serde_json::Map<String, Value> = columns.iter().cloned().zip(row.iter().cloned()).collect();
        assert_eq!(image, Image::from(map));
        assert_eq!(image.iter().map(|(c, _)| c).collect::<Vec<_>>(), ["birth_year", "created_at", "id", "name"]);
        assert_eq!((image.get("name"), &image["birth_year"], image.get("phone"), &image["phone"]), (Some(&Value::from("王")), &Value::from(2012), None, &Value::Null));
        // Two rows of one table share their names.
        let other = Image::new(names, vec![Value::Null; 4]);
        assert!(Arc::ptr_eq(image.names(), other.names()));
    }
}
